// Looks up the pure-Python half's classes once, and raises outcome exceptions.
#include "src/python_types.h"

#include <string>

#include "src/gil.h"

namespace holdfast::python {
namespace {

// Deliberately leaked: the references must outlive every module object, and
// destroying py::objects after the interpreter has finalized would crash.
PythonTypes* instance = nullptr;

}  // namespace

void PythonTypes::Load() {
  if (instance != nullptr) return;
  auto* types = new PythonTypes();
  py::module_ outcome_module = py::module_::import("holdfast._outcome");
  py::module_ records = py::module_::import("holdfast._records");
  py::module_ config = py::module_::import("holdfast._config");
  py::object outcome_enum = outcome_module.attr("Outcome");
  py::dict exceptions = outcome_module.attr("EXCEPTIONS");
  for (int i = 0; i < kOutcomeCount; ++i) {
    py::object member = outcome_enum(i);
    std::string expected(OutcomeName(static_cast<Outcome>(i)));
    if (py::str(member).cast<std::string>() != expected) {
      throw std::runtime_error("holdfast._outcome.Outcome(" + std::to_string(i) + ") is " +
                               py::str(member).cast<std::string>() + ", the library says " +
                               expected);
    }
    types->outcomes_[i] = member;
    if (i != 0) types->exceptions_[i] = exceptions[member];
  }
  py::object event_kind = outcome_module.attr("EventKind");
  for (int i = 0; i < 4; ++i) types->event_kinds_[i] = event_kind(i);
  py::object seat_status = outcome_module.attr("SeatStatus");
  for (int i = 0; i < 3; ++i) types->seat_statuses_[i] = seat_status(i);
  types->config_error_class = outcome_module.attr("ConfigError");
  types->seat_state_class = records.attr("SeatState");
  types->hold_info_class = records.attr("HoldInfo");
  types->hold_attempt_class = records.attr("HoldAttempt");
  size_t state = 0;
  for (const char* value : {"held", "confirmed", "released", "expired", "ended"}) {
    types->hold_states_[state++] = {value, outcome_module.attr("HoldState")(value)};
  }
  types->seat_map_class = config.attr("SeatMap");
  types->seat_section_class = config.attr("SeatSection");
  types->seat_row_class = config.attr("SeatRow");
  types->buyer_counts_class = records.attr("BuyerCounts");
  types->type_stats_class = records.attr("TypeStats");
  types->sale_stats_class = records.attr("SaleStats");
  types->event_class = records.attr("Event");
  types->explain = py::module_::import("holdfast._explain");
  instance = types;
}

const PythonTypes& PythonTypes::Get() { return *instance; }

py::object PythonTypes::hold_state(std::string_view value) const {
  for (const auto& [name, member] : hold_states_) {
    if (name == value) return member;
  }
  return py::none();
}

void RaiseOutcome(Outcome outcome, const RaiseContext& context) {
  const PythonTypes& types = PythonTypes::Get();
  using py::literals::operator""_a;
  py::object hold_id =
      context.hold.value == 0 ? py::object(py::none()) : py::object(py::int_(context.hold.value));
  PythonCall call;  // the exception class's __init__ (bytecode)
  py::object error =
      outcome == Outcome::kSeatTaken
          ? types.exception(outcome)(
                "operation"_a = context.operation, "buyer"_a = context.buyer, "hold_id"_a = hold_id,
                "taken_seat"_a = context.taken_seat == kNoSeat
                                     ? py::object(py::none())
                                     : py::object(py::int_(context.taken_seat)))
          : types.exception(outcome)("operation"_a = context.operation, "buyer"_a = context.buyer,
                                     "hold_id"_a = hold_id);
  PyErr_SetObject(types.exception(outcome).ptr(), error.ptr());
  throw py::error_already_set();
}

py::object MakeHoldAttempt(Outcome outcome, const py::object& hold, SeatId taken_seat) {
  const PythonTypes& types = PythonTypes::Get();
  // tuple.__new__(HoldAttempt, (outcome, hold)): copies the items into an
  // instance of the subclass, as HoldAttempt's own __new__ would.
  const py::tuple args = py::make_tuple(py::make_tuple(types.outcome(outcome), hold));
  auto* cls = reinterpret_cast<PyTypeObject*>(types.hold_attempt_class.ptr());
  py::object attempt =
      py::reinterpret_steal<py::object>(PyTuple_Type.tp_new(cls, args.ptr(), nullptr));
  if (!attempt) throw py::error_already_set();
  if (taken_seat != kNoSeat) {
    // HoldAttempt is frozen: its __setattr__ refuses, so set the instance
    // attribute (the class's default is None) the way object.__setattr__ does.
    const py::int_ seat(taken_seat);
    if (PyObject_GenericSetAttr(attempt.ptr(), py::str("taken_seat").ptr(), seat.ptr()) != 0) {
      throw py::error_already_set();
    }
  }
  return attempt;
}

void RaiseError(const py::object& error) {
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  throw py::error_already_set();
}

}  // namespace holdfast::python
