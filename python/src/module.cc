// holdfast._core: the compiled half of the `holdfast` Python package. The
// pure-Python half (holdfast/__init__.py) imports it after defining the
// outcome enum, the exceptions and the record classes it hands out.
#include <pybind11/pybind11.h>

#include <string>

#include "absl/time/time.h"
#include "holdfast/holdfast.h"
#include "src/bindings.h"
#include "src/convert.h"
#include "src/gil.h"
#include "src/python_types.h"
#include "src/text_signature.h"

namespace py = pybind11;

PYBIND11_MODULE(_core, module) {
  using holdfast::python::FromDuration;
  module.doc() = R"doc(
The compiled core of holdfast (pybind11). Import `holdfast`, not this module:
the package wraps it with keyword configuration, the outcome exceptions and
type stubs.
)doc";
  holdfast::python::InitConvert();
  holdfast::python::PythonTypes::Load();
  holdfast::python::InstallExitGate(module);

  module.attr("VERSION") =
      py::make_tuple(HOLDFAST_VERSION_MAJOR, HOLDFAST_VERSION_MINOR, HOLDFAST_VERSION_PATCH);
  // The hard ceilings of config.h, each with the same name less the k.
  module.attr("RESERVED_BUYER") = holdfast::kReservedBuyer;
  module.attr("TYPES_MAX") = holdfast::kTypesMax;
  module.attr("QUOTAS_MAX") = holdfast::kQuotasMax;
  module.attr("QUOTAS_PER_TYPE_MAX") = holdfast::kQuotasPerTypeMax;
  module.attr("CYCLES_MAX") = holdfast::kCyclesMax;
  module.attr("LINES_PER_HOLD_MAX") = holdfast::kLinesPerHoldMax;
  module.attr("UNITS_PER_HOLD_MAX") = holdfast::kUnitsPerHoldMax;
  module.attr("SEATS_PER_HOLD_MAX") = holdfast::kSeatsPerHoldMax;
  module.attr("CAPACITY_MAX") = holdfast::kCapacityMax;
  module.attr("PER_BUYER_UNITS_MAX") = holdfast::kPerBuyerUnitsMax;
  module.attr("CYCLE_PER_BUYER_MAX") = holdfast::kCyclePerBuyerMax;
  module.attr("HOLDS_MAX") = holdfast::kHoldsMax;
  module.attr("BUYERS_MAX") = holdfast::kBuyersMax;
  module.attr("IDEMPOTENCY_KEYS_MAX") = holdfast::kIdempotencyKeysMax;
  module.attr("EVENTS_MAX") = holdfast::kEventsMax;
  module.attr("HOLD_LIFETIME_MAX") = FromDuration(holdfast::kHoldLifetimeMax);

  module.def(
      "outcome_name",
      [](int outcome) {
        // Out of uint8_t range would not even be a value of the enum.
        if (outcome < 0 || outcome > 255) return std::string("Unknown");
        return std::string(holdfast::OutcomeName(static_cast<holdfast::Outcome>(outcome)));
      },
      py::arg("outcome"), "The outcome's C++ name, e.g. 'SoldOut'; 'Unknown' outside the enum.");
  module.def(
      "outcome_status_code",
      [](int outcome) {
        if (outcome < 0 || outcome > 255) return std::string("UNKNOWN");
        return absl::StatusCodeToString(
            holdfast::ToStatus(static_cast<holdfast::Outcome>(outcome)).code());
      },
      py::arg("outcome"),
      "The absl::StatusCode name the outcome maps to, e.g. 'RESOURCE_EXHAUSTED'.");
  module.def(
      "event_kind_name",
      [](int kind) {
        if (kind < 0 || kind > 255) return std::string("Unknown");
        return std::string(holdfast::EventKindName(static_cast<holdfast::EventKind>(kind)));
      },
      py::arg("kind"), "The event kind's C++ name, e.g. 'Held'.");

  holdfast::python::BindClocks(module);
  holdfast::python::BindSale(module);
  // Last: every function and method is bound now.
  holdfast::python::AddTextSignatures(module);
}
