// python/src/python_types.h: the classes the pure-Python half of the package
// defines (holdfast/_outcome.py, holdfast/_records.py, holdfast/_config.py,
// holdfast/_explain.py), looked up once so the bindings can return an Outcome
// member or raise SoldOut without a lookup.
//
//   const PythonTypes& types = PythonTypes::Get();
//   py::object member = types.outcome(holdfast::Outcome::kSoldOut);  // Outcome.SOLD_OUT
//   RaiseOutcome(outcome, {.operation = "hold", .buyer = buyer});    // raises SoldOut
//
// Every function here needs the GIL.
#ifndef HOLDFAST_PYTHON_SRC_PYTHON_TYPES_H_
#define HOLDFAST_PYTHON_SRC_PYTHON_TYPES_H_

#include <pybind11/pybind11.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "holdfast/event.h"
#include "holdfast/outcome.h"
#include "holdfast/seat_map.h"
#include "holdfast/types.h"

namespace holdfast::python {

namespace py = pybind11;

class PythonTypes {
 public:
  // Imports holdfast._outcome, holdfast._records and holdfast._config and
  // keeps what it needs.
  // Called once, from the module's init. Throws error_already_set.
  static void Load();
  // The loaded types. Load() must have run.
  static const PythonTypes& Get();

  // The Outcome member for `outcome` (a new reference).
  py::object outcome(Outcome outcome) const { return outcomes_[static_cast<size_t>(outcome)]; }
  py::object event_kind(EventKind kind) const { return event_kinds_[static_cast<size_t>(kind)]; }
  py::object seat_status(SeatStatus status) const {
    return seat_statuses_[static_cast<size_t>(status)];
  }
  // The HoldfastError subclass for a non-Ok outcome.
  py::handle exception(Outcome outcome) const { return exceptions_[static_cast<size_t>(outcome)]; }

  py::object buyer_counts_class;
  py::object type_stats_class;
  py::object sale_stats_class;
  py::object event_class;
  py::object config_error_class;
  py::object seat_state_class;
  py::object hold_info_class;
  // holdfast._records.HoldAttempt, what the try_* hold forms return.
  py::object hold_attempt_class;
  // The holdfast.HoldState member whose value is `value` ("held",
  // "confirmed", "released", "expired" or "ended"), looked up without
  // running Python code; None for any other value.
  py::object hold_state(std::string_view value) const;
  py::object seat_map_class;
  py::object seat_section_class;
  py::object seat_row_class;
  // holdfast._explain: builds the InvalidArgument (or UnknownName) that says
  // why a raising call was refused.
  py::object explain;

 private:
  std::array<py::object, kOutcomeCount> outcomes_;
  std::array<py::object, kOutcomeCount> exceptions_;
  std::array<py::object, 4> event_kinds_;
  std::array<py::object, 3> seat_statuses_;
  std::array<std::pair<std::string, py::object>, 5> hold_states_;
};

// What RaiseOutcome tells the exception about the failed call.
struct RaiseContext {
  const char* operation = "";  // "hold", "confirm", "release", "extend"
  BuyerId buyer = 0;
  HoldId hold;                  // value 0: none (a failed hold has no id)
  SeatId taken_seat = kNoSeat;  // with kSeatTaken: the seat found taken
};

// Raises the HoldfastError subclass of a non-Ok `outcome`, carrying the
// outcome, the operation, the buyer and the hold id (and SeatTaken its
// taken_seat).
[[noreturn]] void RaiseOutcome(Outcome outcome, const RaiseContext& context);

// A holdfast.HoldAttempt: the pair (outcome, hold) (`hold` a Hold or None)
// with `taken_seat` (a seat id or None) as an attribute. Built without
// running the class's Python __new__: try_* is the hot-path form.
py::object MakeHoldAttempt(Outcome outcome, const py::object& hold, SeatId taken_seat);

// Raises `error`, an exception instance (e.g. one holdfast._explain built).
[[noreturn]] void RaiseError(const py::object& error);

}  // namespace holdfast::python

#endif  // HOLDFAST_PYTHON_SRC_PYTHON_TYPES_H_
