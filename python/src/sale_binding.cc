// Sale, Hold, Sweeper and seat maps in Python. Arguments are parsed with the GIL held;
// every call into the core runs with the GIL released, so Python threads hold
// and confirm in parallel, and no Python object is touched without the GIL.
// Expected outcomes come back as values from try_* methods, or are raised as
// the HoldfastError subclass of the outcome by the others.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "holdfast/holdfast.h"
#include "src/bindings.h"
#include "src/convert.h"
#include "src/gil.h"
#include "src/initialized.h"
#include "src/python_types.h"

namespace holdfast::python {

using py::literals::operator""_a;

namespace {

// A type id no sale has: unknown names and out-of-range ints map to it so the
// core answers InvalidArgument and counts it, exactly as for a C++ caller.
constexpr TypeId kNoSuchType = std::numeric_limits<TypeId>::max();
constexpr int kNoSuchIndex = -1;

std::string StrOf(py::handle value, const std::string& what) {
  if (!py::isinstance<py::str>(value)) {
    throw py::type_error(what + ": expected a str");
  }
  return value.cast<std::string>();
}

bool TruthOf(py::handle value) {
  const int truth = PyObject_IsTrue(value.ptr());
  if (truth < 0) throw py::error_already_set();
  return truth != 0;
}

// Reads the normalized holdfast.SaleConfig dataclass (holdfast/_config.py)
// field by field. Integers are saturated, so ValidateConfig names a field
// that is out of range rather than the conversion failing.
SaleConfig BuildConfig(py::handle config, const Clock* clock) {
  constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
  constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
  constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();
  constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
  SaleConfig out;
  size_t i = 0;
  for (py::handle type : config.attr("types")) {
    const std::string at = absl::StrCat("types[", i++, "]");
    out.types.push_back(
        {.name = StrOf(type.attr("name"), at + ".name"),
         .capacity = ToSaturatedInt(type.attr("capacity"), kI64Min, kI64Max, at + ".capacity")});
  }
  i = 0;
  for (py::handle quota : config.attr("quotas")) {
    const std::string at = absl::StrCat("quotas[", i++, "]");
    QuotaConfig q{
        .name = StrOf(quota.attr("name"), at + ".name"),
        .capacity = ToSaturatedInt(quota.attr("capacity"), kI64Min, kI64Max, at + ".capacity"),
        .types = {}};
    for (py::handle type : quota.attr("types")) {
      q.types.push_back(static_cast<TypeId>(ToSaturatedInt(type, 0, kNoSuchType, at + ".types")));
    }
    out.quotas.push_back(std::move(q));
  }
  i = 0;
  for (py::handle cycle : config.attr("cycles")) {
    const std::string at = absl::StrCat("cycles[", i++, "]");
    out.cycles.push_back({
        .name = StrOf(cycle.attr("name"), at + ".name"),
        .opens_at = ToTime(cycle.attr("opens_at"), absl::InfinitePast(), at + ".opens_at"),
        .closes_at = ToTime(cycle.attr("closes_at"), absl::InfiniteFuture(), at + ".closes_at"),
        .allotment = ToSaturatedInt(cycle.attr("allotment"), kI64Min, kI64Max, at + ".allotment"),
        .per_buyer_max =
            ToSaturatedInt(cycle.attr("per_buyer_max"), kI64Min, kI64Max, at + ".per_buyer_max"),
        .rollover = TruthOf(cycle.attr("rollover")),
    });
  }
  auto i64 = [&](const char* field) {
    return ToSaturatedInt(config.attr(field), kI64Min, kI64Max, field);
  };
  auto i32 = [&](const char* field) {
    return static_cast<int32_t>(ToSaturatedInt(config.attr(field), kI32Min, kI32Max, field));
  };
  out.per_buyer_units_max = i64("per_buyer_units_max");
  out.per_buyer_holds_max = i32("per_buyer_holds_max");
  out.units_per_hold_max = i32("units_per_hold_max");
  out.hold_ttl_default = ToDuration(config.attr("hold_ttl_default"), "hold_ttl_default");
  out.hold_lifetime_max = ToDuration(config.attr("hold_lifetime_max"), "hold_lifetime_max");
  out.holds_max = i32("holds_max");
  out.buyers_max = i32("buyers_max");
  out.idempotency_keys_max = i32("idempotency_keys_max");
  out.events_max = i32("events_max");
  out.clock = clock;
  // make_config normalized it to a SeatMap with type indices; None is empty.
  const py::object seat_map = config.attr("seat_map");
  if (!seat_map.is_none()) {
    size_t s = 0;
    for (py::handle section : seat_map.attr("sections")) {
      const std::string at = absl::StrCat("seat_map.sections[", s++, "]");
      SectionConfig built{.name = StrOf(section.attr("name"), at + ".name"),
                          .type = static_cast<TypeId>(
                              ToSaturatedInt(section.attr("type"), 0, kNoSuchType, at + ".type")),
                          .rows = {}};
      size_t r = 0;
      for (py::handle row : section.attr("rows")) {
        const std::string row_at = absl::StrCat(at, ".rows[", r++, "]");
        RowConfig built_row{
            .label = StrOf(row.attr("label"), row_at + ".label"),
            .seat_count = static_cast<int>(
                ToSaturatedInt(row.attr("seat_count"), kI32Min, kI32Max, row_at + ".seat_count")),
            .first_number = static_cast<int>(ToSaturatedInt(row.attr("first_number"), kI32Min,
                                                            kI32Max, row_at + ".first_number")),
            .rank = static_cast<int>(
                ToSaturatedInt(row.attr("rank"), kI32Min, kI32Max, row_at + ".rank")),
            .accessible = {},
            .restricted = {}};
        for (py::handle n : row.attr("accessible")) {
          built_row.accessible.push_back(
              static_cast<int>(ToSaturatedInt(n, kI32Min, kI32Max, row_at + ".accessible")));
        }
        for (py::handle n : row.attr("restricted")) {
          built_row.restricted.push_back(
              static_cast<int>(ToSaturatedInt(n, kI32Min, kI32Max, row_at + ".restricted")));
        }
        built.rows.push_back(std::move(built_row));
      }
      out.seat_map.sections.push_back(std::move(built));
    }
  }
  return out;
}

// A parsed seat map as the holdfast.SeatMap dataclass (holdfast/_config.py).
py::object ToPython(const SeatMapConfig& map) {
  const PythonTypes& types = PythonTypes::Get();
  PythonCall call;  // dataclass __init__s (bytecode)
  py::list sections;
  for (const SectionConfig& section : map.sections) {
    py::list rows;
    for (const RowConfig& row : section.rows) {
      rows.append(types.seat_row_class("label"_a = row.label, "seat_count"_a = row.seat_count,
                                       "first_number"_a = row.first_number, "rank"_a = row.rank,
                                       "accessible"_a = py::tuple(py::cast(row.accessible)),
                                       "restricted"_a = py::tuple(py::cast(row.restricted))));
    }
    sections.append(types.seat_section_class("name"_a = section.name, "type"_a = section.type,
                                             "rows"_a = py::tuple(rows)));
  }
  return types.seat_map_class("sections"_a = py::tuple(sections));
}

[[noreturn]] void RaiseConfigError(const absl::Status& status) {
  PyErr_SetString(PythonTypes::Get().config_error_class.ptr(),
                  std::string(status.message()).c_str());
  throw py::error_already_set();
}

// The C++ sale behind a Python holdfast.Sale, with the name lookups that let
// Python callers say "regular" instead of 0, and the normalized config the
// messages of refused calls are checked against (holdfast/_explain.py).
// Immutable after construction, so the lookups need no lock.
class PySale {
 public:
  PySale(py::handle config, const Clock* clock)
      : config_(py::reinterpret_borrow<py::object>(config)) {
    const SaleConfig built = BuildConfig(config, clock);
    absl::StatusOr<std::unique_ptr<Sale>> sale;
    {
      // Sizing and touching the largest tables takes seconds: let other
      // Python threads run meanwhile. `built` holds no Python object.
      ReleaseGil release;
      sale = Sale::Create(built);
    }
    if (!sale.ok()) RaiseConfigError(sale.status());
    sale_ = *std::move(sale);
    for (size_t t = 0; t < built.types.size(); ++t) types_[built.types[t].name] = t;
    for (size_t q = 0; q < built.quotas.size(); ++q) quotas_[built.quotas[q].name] = q;
    for (size_t c = 0; c < built.cycles.size(); ++c) cycles_[built.cycles[c].name] = c;
    for (size_t s = 0; s < built.seat_map.sections.size(); ++s) {
      sections_[built.seat_map.sections[s].name] = s;
    }
  }

  Sale& sale() { return *sale_; }
  const Sale& sale() const { return *sale_; }
  // The normalized holdfast.SaleConfig the sale was built from.
  const py::object& config() const { return config_; }

  // For the hold calls: a type given as its index or its name; kNoSuchType
  // when unknown, so the core answers (and counts) InvalidArgument.
  TypeId TypeOf(py::handle ref) const {
    return static_cast<TypeId>(IndexOf(ref, types_, kNoSuchType, "type", false));
  }
  int SectionOf(py::handle ref) const {
    return static_cast<int>(IndexOf(ref, sections_, kNoSuchIndex, "section", false));
  }
  // For the queries: as TypeOf, but an unknown name raises UnknownName (an
  // unknown index still reads as kNoSuchType: the core answers 0).
  TypeId KnownTypeOf(py::handle ref) const {
    return static_cast<TypeId>(IndexOf(ref, types_, kNoSuchType, "type", true));
  }
  int KnownQuotaOf(py::handle ref) const {
    return static_cast<int>(IndexOf(ref, quotas_, kNoSuchIndex, "quota", true));
  }
  int KnownCycleOf(py::handle ref) const {
    return static_cast<int>(IndexOf(ref, cycles_, kNoSuchIndex, "cycle", true));
  }

  // Raises UnknownName for `name`, an unknown `kind` ("type", "quota",
  // "cycle", "section", "seat") given as the argument `what`.
  [[noreturn]] void RaiseUnknown(const char* kind, py::handle name, const char* what) const {
    py::object error;
    {
      PythonCall call;  // holdfast._explain runs bytecode
      error = PythonTypes::Get().explain.attr("unknown")(config_, kind, name, what);
    }
    RaiseError(error);
  }

 private:
  int64_t IndexOf(py::handle ref, const std::unordered_map<std::string, size_t>& names,
                  int64_t unknown, const char* what, bool raise_unknown) const {
    if (PyLong_Check(ref.ptr())) {
      const int64_t index = ToSaturatedInt(ref, -1, std::numeric_limits<int32_t>::max(), what);
      return index < 0 ? unknown : index;
    }
    if (PyUnicode_Check(ref.ptr())) {
      Py_ssize_t size = 0;
      const char* data = PyUnicode_AsUTF8AndSize(ref.ptr(), &size);
      if (data == nullptr) throw py::error_already_set();
      const auto it = names.find(std::string(data, static_cast<size_t>(size)));
      if (it != names.end()) return static_cast<int64_t>(it->second);
      if (raise_unknown) RaiseUnknown(what, ref, what);
      return unknown;
    }
    throw py::type_error(std::string(what) + ": expected an index (int) or a name (str)");
  }

  py::object config_;
  std::unique_ptr<Sale> sale_;
  std::unordered_map<std::string, size_t> types_;
  std::unordered_map<std::string, size_t> quotas_;
  std::unordered_map<std::string, size_t> cycles_;
  std::unordered_map<std::string, size_t> sections_;
};

// What this handle last learned about its hold.
enum class HandleState : uint8_t { kHeld, kConfirmed, kReleased, kExpired, kEnded };

const char* HandleStateName(HandleState state) {
  switch (state) {
    case HandleState::kHeld:
      return "held";
    case HandleState::kConfirmed:
      return "confirmed";
    case HandleState::kReleased:
      return "released";
    case HandleState::kExpired:
      return "expired";
    case HandleState::kEnded:
      break;
  }
  return "ended";
}

// A Python handle of one hold. It keeps its sale alive. `state` is what the
// calls made through this handle learned; the sale is the truth (a hold can
// expire, or be confirmed through its id, without the handle knowing).
struct PyHold {
  py::object sale_object;
  PySale* sale = nullptr;
  HoldId id;
  BuyerId buyer = 0;
  int64_t units = 0;  // requested by the call that returned this handle
  HandleState state = HandleState::kHeld;
  // Seat ids claimed by the call that returned this handle (hold_seats,
  // hold_best_available); empty for a general-admission hold.
  py::tuple seats = py::tuple();

  // Records what an operation by the hold's own buyer answered.
  void Learn(Outcome outcome, HandleState on_ok) {
    switch (outcome) {
      case Outcome::kOk:
        state = on_ok;
        break;
      case Outcome::kExpired:
        state = HandleState::kExpired;
        break;
      case Outcome::kAlreadyConfirmed:
        state = HandleState::kConfirmed;
        break;
      case Outcome::kUnknownHold:
        if (state == HandleState::kHeld) state = HandleState::kEnded;
        break;
      default:
        break;
    }
  }
};

}  // namespace
}  // namespace holdfast::python

// A Sale or Hold whose __init__ never ran raises TypeError (initialized.h).
namespace pybind11::detail {
template <>
class type_caster<holdfast::python::PySale>
    : public holdfast::python::InitializedCaster<holdfast::python::PySale> {};
template <>
class type_caster<holdfast::python::PyHold>
    : public holdfast::python::InitializedCaster<holdfast::python::PyHold> {};
}  // namespace pybind11::detail

namespace holdfast::python {
namespace {

// Up to kLinesPerHoldMax + 1 lines: one more than allowed is enough for the
// core to answer InvalidArgument, so longer requests are cut there and
// nothing is allocated per call.
struct Lines {
  std::array<HoldLine, kLinesPerHoldMax + 1> items;
  size_t count = 0;
  int64_t units = 0;

  void Add(TypeId type, int64_t quantity) {
    if (count == items.size()) return;
    const auto q = static_cast<int32_t>(quantity);
    items[count++] = {.type = type, .quantity = q};
    if (q > 0) units += q;
  }
};

int64_t QuantityOf(py::handle quantity) {
  return ToSaturatedInt(quantity, std::numeric_limits<int32_t>::min(),
                        std::numeric_limits<int32_t>::max(), "quantity");
}

// Adds each (type, quantity) pair of `pairs`, any sequences of two (tuples,
// lists, HoldLine); anything else is a TypeError saying `error`.
void AddPairs(const PySale& sale, py::handle pairs, const char* error, Lines& out) {
  if (!py::isinstance<py::iterable>(pairs)) throw py::type_error(error);
  for (py::handle item : pairs) {
    if (out.count == out.items.size()) break;
    if (!PySequence_Check(item.ptr()) || PyUnicode_Check(item.ptr()) ||
        PySequence_Size(item.ptr()) != 2) {
      PyErr_Clear();  // PySequence_Size of a non-sequence sets an error
      throw py::type_error(error);
    }
    py::sequence pair = py::reinterpret_borrow<py::sequence>(item);
    out.Add(sale.TypeOf(pair[0]), QuantityOf(pair[1]));
  }
}

// `lines` is a type (index or name) with `quantity` (default 1), a mapping
// {type: quantity}, or an iterable of (type, quantity) pairs (HoldLine is
// one). Lines naming one type add up, as in C++.
void ParseLines(const PySale& sale, py::handle lines, py::handle quantity, Lines& out) {
  PyObject* object = lines.ptr();
  if (PyLong_Check(object) || PyUnicode_Check(object)) {
    out.Add(sale.TypeOf(lines), quantity.is_none() ? 1 : QuantityOf(quantity));
    return;
  }
  if (!quantity.is_none()) {
    throw py::type_error("quantity: give it only with a single type, not with a list of lines");
  }
  if (PyDict_Check(object)) {
    PyObject* key = nullptr;
    PyObject* value = nullptr;
    Py_ssize_t pos = 0;
    while (PyDict_Next(object, &pos, &key, &value)) {
      out.Add(sale.TypeOf(key), QuantityOf(value));
    }
    return;
  }
  if (py::hasattr(lines, "items")) {  // any other Mapping, or what looks like one
    AddPairs(sale, lines.attr("items")(),
             "lines: each item of lines.items() must be a (type, quantity) pair", out);
    return;
  }
  if (!py::isinstance<py::iterable>(lines)) {
    throw py::type_error(
        "lines: expected a type, a {type: quantity} mapping or (type, quantity) pairs");
  }
  AddPairs(sale, lines, "lines: each line must be a (type, quantity) pair", out);
}

// The hold a confirm/release/extend call names: a Hold handle (its buyer by
// default) or a raw id (an int, or its decimal string, Hold.id_str) with a
// buyer. `malformed` holds a string that is no id, which the calls answer
// with kInvalidArgument without asking the core.
struct Target {
  PyHold* handle = nullptr;
  HoldId id;
  BuyerId buyer = 0;
  py::object malformed;
};

// A handle's own hold, as its own buyer.
Target TargetOf(PyHold& hold) {
  return {.handle = &hold, .id = hold.id, .buyer = hold.buyer, .malformed = py::object()};
}

// A hold id from its decimal string: 1 to 20 digits, below 2**64, nothing
// else (no sign, no spaces). False if `text` is no id.
bool ParseHoldId(py::handle text, uint64_t& out) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(text.ptr(), &size);
  if (data == nullptr) {
    PyErr_Clear();  // a lone surrogate: not an id
    return false;
  }
  if (size < 1 || size > 20) return false;
  uint64_t value = 0;
  for (Py_ssize_t i = 0; i < size; ++i) {
    if (data[i] < '0' || data[i] > '9') return false;
    const auto digit = static_cast<uint64_t>(data[i] - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    value = value * 10 + digit;
  }
  out = value;
  return true;
}

Target TargetOf(py::handle hold, py::handle buyer) {
  Target target;
  if (py::isinstance<PyHold>(hold)) {
    target.handle = &hold.cast<PyHold&>();
    target.id = target.handle->id;
    target.buyer = buyer.is_none() ? target.handle->buyer : ToUint64(buyer, "buyer");
    return target;
  }
  const bool is_str = PyUnicode_Check(hold.ptr());
  if (!PyLong_Check(hold.ptr()) && !is_str) {
    throw py::type_error("hold: expected a Hold, a hold id (int) or its id_str (str)");
  }
  if (buyer.is_none()) throw py::type_error("buyer: required when the hold is given as an id");
  target.buyer = ToUint64(buyer, "buyer");
  if (!is_str) {
    target.id = HoldId{ToUint64(hold, "hold")};
  } else if (uint64_t id = 0; ParseHoldId(hold, id)) {
    target.id = HoldId{id};
  } else {
    target.malformed = py::reinterpret_borrow<py::object>(hold);
  }
  return target;
}

// Only an answer about the handle's own hold, to its own buyer, says
// something about that hold.
void LearnFrom(const PySale& sale, const Target& target, Outcome outcome, HandleState on_ok) {
  if (target.handle != nullptr && target.handle->sale == &sale &&
      target.buyer == target.handle->buyer) {
    target.handle->Learn(outcome, on_ok);
  }
}

ConfirmMode ModeOf(py::handle mode) {
  return ToSaturatedInt(mode, 0, 1, "mode") == 0 ? ConfirmMode::kRetryIsOk
                                                 : ConfirmMode::kReportAlreadyConfirmed;
}

// The operations, each returning the outcome. The GIL is released only
// around the core call.
struct HoldCall {
  Outcome outcome;
  py::object hold;  // a Hold on kOk, else None
};

HoldCall DoHold(py::handle self, py::handle buyer_arg, py::handle lines_arg, py::handle quantity,
                py::handle ttl, py::handle key) {
  PySale& sale = self.cast<PySale&>();
  const BuyerId buyer = ToUint64(buyer_arg, "buyer");
  Lines lines;
  ParseLines(sale, lines_arg, quantity, lines);
  // In C++ a zero TTL means "the default"; in Python that is None, and an
  // explicit 0 is a TTL <= 0, which the core must refuse as InvalidArgument.
  absl::Duration ttl_value = ToDuration(ttl, "ttl");
  if (!ttl.is_none() && ttl_value == absl::ZeroDuration()) ttl_value = -absl::Nanoseconds(1);
  const HoldOptions options{
      .ttl = ttl_value, .idempotency_key = key.is_none() ? 0 : ToUint64(key, "idempotency_key")};
  HoldResult result;
  {
    ReleaseGil release;
    result = sale.sale().Hold(buyer, absl::MakeConstSpan(lines.items.data(), lines.count), options);
  }
  if (!result.ok()) return {result.outcome, py::none()};
  return {Outcome::kOk, py::cast(PyHold{.sale_object = py::reinterpret_borrow<py::object>(self),
                                        .sale = &sale,
                                        .id = result.id,
                                        .buyer = buyer,
                                        .units = lines.units})};
}

// Up to kSeatsPerHoldMax + 1 seats, as Lines: one more than allowed makes
// the core answer InvalidArgument.
struct Seats {
  std::array<SeatId, kSeatsPerHoldMax + 1> items;
  size_t count = 0;
};

// A seat given as its id or its label ("Orchestra A-12"); kNoSeat when
// unknown, so the core answers InvalidArgument, unless `raise_unknown`: then
// an unknown label raises UnknownName.
SeatId SeatOf(const PySale& sale, py::handle ref, bool raise_unknown = false) {
  if (PyUnicode_Check(ref.ptr())) {
    const std::string label = ref.cast<std::string>();
    SeatId seat;
    {
      ReleaseGil release;
      seat = sale.sale().FindSeat(label);
    }
    if (seat == kNoSeat && raise_unknown) sale.RaiseUnknown("seat", ref, "seat");
    return seat;
  }
  if (!PyLong_Check(ref.ptr())) throw py::type_error("seat: expected a seat id (int) or a label");
  const int64_t id = ToSaturatedInt(ref, -1, kNoSeat, "seat");
  return id < 0 ? kNoSeat : static_cast<SeatId>(id);
}

void ParseSeats(const PySale& sale, py::handle seats, Seats& out) {
  if (PyUnicode_Check(seats.ptr()) || PyLong_Check(seats.ptr())) {
    out.items[out.count++] = SeatOf(sale, seats);
    return;
  }
  if (!py::isinstance<py::iterable>(seats)) {
    throw py::type_error("seats: expected an iterable of seat ids or labels");
  }
  for (py::handle seat : seats) {
    if (out.count == out.items.size()) break;
    out.items[out.count++] = SeatOf(sale, seat);
  }
}

HoldOptions OptionsOf(py::handle ttl, py::handle key) {
  // As in DoHold: an explicit 0 must be refused, not read as the default.
  absl::Duration ttl_value = ToDuration(ttl, "ttl");
  if (!ttl.is_none() && ttl_value == absl::ZeroDuration()) ttl_value = -absl::Nanoseconds(1);
  return {.ttl = ttl_value,
          .idempotency_key = key.is_none() ? 0 : ToUint64(key, "idempotency_key")};
}

struct SeatHoldCall {
  Outcome outcome;
  py::object hold;  // a Hold on kOk, else None
  SeatId taken_seat = kNoSeat;
};

// The seats of a hold a seated Hold call just answered kOk for, read back
// from the sale: with a repeated idempotency key the hold is the first
// call's, with the first call's seats, whatever this call asked for. If the
// hold ended in the meantime (SeatsOf then answers kUnknownHold), `fallback`:
// what this call asked for or was given.
py::tuple SeatsOfNewHold(const PySale& sale, HoldId hold, BuyerId buyer,
                         absl::Span<const SeatId> fallback) {
  std::array<SeatId, kSeatsPerHoldMax> seats;
  int count = 0;
  Outcome outcome;
  {
    ReleaseGil release;
    outcome = sale.sale().SeatsOf(hold, buyer, absl::MakeSpan(seats), count);
  }
  if (outcome != Outcome::kOk) {
    count = 0;
    for (const SeatId seat : fallback) {
      if (seat != kNoSeat && count < static_cast<int>(seats.size())) seats[count++] = seat;
    }
  }
  py::tuple out(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) out[static_cast<size_t>(i)] = py::int_(seats[i]);
  return out;
}

SeatHoldCall DoHoldSeats(py::handle self, py::handle buyer_arg, py::handle seats_arg,
                         py::handle lines_arg, py::handle ttl, py::handle key) {
  PySale& sale = self.cast<PySale&>();
  const BuyerId buyer = ToUint64(buyer_arg, "buyer");
  Seats seats;
  ParseSeats(sale, seats_arg, seats);
  Lines lines;
  ParseLines(sale, lines_arg, py::none(), lines);
  const HoldOptions options = OptionsOf(ttl, key);
  HoldResult result;
  {
    ReleaseGil release;
    result = sale.sale().HoldSeats(buyer, absl::MakeConstSpan(seats.items.data(), seats.count),
                                   absl::MakeConstSpan(lines.items.data(), lines.count), options);
  }
  if (!result.ok()) return {result.outcome, py::none(), result.taken_seat};
  py::tuple seat_ids =
      SeatsOfNewHold(sale, result.id, buyer, absl::MakeConstSpan(seats.items.data(), seats.count));
  return {Outcome::kOk,
          py::cast(PyHold{.sale_object = py::reinterpret_borrow<py::object>(self),
                          .sale = &sale,
                          .id = result.id,
                          .buyer = buyer,
                          .units = static_cast<int64_t>(seats.count) + lines.units,
                          .seats = seat_ids}),
          kNoSeat};
}

HoldCall DoHoldBestAvailable(py::handle self, py::handle buyer_arg, py::handle count,
                             py::handle sections, bool avoid_orphans, bool allow_split,
                             bool accessible_only, bool allow_restricted, py::handle ttl,
                             py::handle key) {
  PySale& sale = self.cast<PySale&>();
  const BuyerId buyer = ToUint64(buyer_arg, "buyer");
  BestAvailableRequest request{
      .count = static_cast<int>(ToSaturatedInt(count, std::numeric_limits<int32_t>::min(),
                                               std::numeric_limits<int32_t>::max(), "count")),
      .sections = {},
      .avoid_orphans = avoid_orphans,
      .allow_split = allow_split,
      .accessible_only = accessible_only,
      .allow_restricted = allow_restricted};
  if (PyLong_Check(sections.ptr()) || PyUnicode_Check(sections.ptr())) {
    request.sections.push_back(sale.SectionOf(sections));
  } else {
    for (py::handle section : sections) request.sections.push_back(sale.SectionOf(section));
  }
  const HoldOptions options = OptionsOf(ttl, key);
  std::array<SeatId, kSeatsPerHoldMax> chosen;
  chosen.fill(kNoSeat);
  HoldResult result;
  {
    ReleaseGil release;
    result = sale.sale().HoldBestAvailable(buyer, request, absl::MakeSpan(chosen), options);
  }
  if (!result.ok()) return {result.outcome, py::none()};
  py::tuple seat_ids = SeatsOfNewHold(sale, result.id, buyer, absl::MakeConstSpan(chosen));
  return {Outcome::kOk, py::cast(PyHold{.sale_object = py::reinterpret_borrow<py::object>(self),
                                        .sale = &sale,
                                        .id = result.id,
                                        .buyer = buyer,
                                        .units = static_cast<int64_t>(seat_ids.size()),
                                        .seats = seat_ids})};
}

Outcome DoConfirm(PySale& sale, const Target& target, ConfirmMode mode) {
  Outcome outcome;
  if (target.malformed) return Outcome::kInvalidArgument;
  {
    ReleaseGil release;
    outcome = sale.sale().Confirm(target.id, target.buyer, mode);
  }
  LearnFrom(sale, target, outcome, HandleState::kConfirmed);
  return outcome;
}

Outcome DoRelease(PySale& sale, const Target& target) {
  Outcome outcome;
  if (target.malformed) return Outcome::kInvalidArgument;
  {
    ReleaseGil release;
    outcome = sale.sale().Release(target.id, target.buyer);
  }
  LearnFrom(sale, target, outcome, HandleState::kReleased);
  return outcome;
}

Outcome DoExtend(PySale& sale, const Target& target, py::handle ttl_arg) {
  const absl::Duration ttl = ToDuration(ttl_arg, "ttl");
  if (target.malformed) return Outcome::kInvalidArgument;
  Outcome outcome;
  {
    ReleaseGil release;
    outcome = sale.sale().Extend(target.id, target.buyer, ttl);
  }
  LearnFrom(sale, target, outcome, HandleState::kHeld);
  return outcome;
}

// Raises InvalidArgument for a hold given as a string that is no hold id.
void RaiseIfMalformed(const Target& target, const char* operation) {
  if (!target.malformed) return;
  const PythonTypes& types = PythonTypes::Get();
  RaiseError(types.exception(Outcome::kInvalidArgument)(
      absl::StrCat("hold=", std::string(py::repr(target.malformed)),
                   " is not a hold id: expected Hold.id (an int) or Hold.id_str (its decimal "
                   "digits, below 2**64)"),
      "operation"_a = operation, "buyer"_a = target.buyer));
}

void RaiseUnlessOk(Outcome outcome, const char* operation, const Target& target) {
  RaiseIfMalformed(target, operation);
  if (outcome != Outcome::kOk) {
    RaiseOutcome(outcome, {.operation = operation, .buyer = target.buyer, .hold = target.id});
  }
}

// Raises a failed raising call's outcome. kInvalidArgument is raised as the
// exception `explain()` builds (holdfast/_explain.py), which names the
// argument and the rule it broke: only here, after the core answered, so a
// call that succeeds pays nothing for it.
template <typename Explain>
[[noreturn]] void RaiseExplained(Outcome outcome, const RaiseContext& context, Explain explain) {
  if (outcome == Outcome::kInvalidArgument) {
    py::object error;
    {
      PythonCall call;  // holdfast._explain runs bytecode
      error = explain();
    }
    RaiseError(error);
  }
  RaiseOutcome(outcome, context);
}

void RaiseExtendUnlessOk(const PySale& sale, Outcome outcome, const Target& target,
                         py::handle ttl) {
  if (outcome == Outcome::kOk) return;
  RaiseIfMalformed(target, "extend");
  RaiseExplained(outcome, {.operation = "extend", .buyer = target.buyer, .hold = target.id}, [&] {
    return PythonTypes::Get().explain.attr("extend")(sale.config(), ttl, target.buyer,
                                                     target.id.value);
  });
}

py::object ToPython(const BuyerCounts& counts) {
  PythonCall call;  // a dataclass __init__ (bytecode)
  return PythonTypes::Get().buyer_counts_class("held_units"_a = counts.held_units,
                                               "bought_units"_a = counts.bought_units,
                                               "live_holds"_a = counts.live_holds);
}

py::object ToPython(const TypeStats& stats) {
  PythonCall call;  // a dataclass __init__ (bytecode)
  return PythonTypes::Get().type_stats_class(
      "capacity"_a = stats.capacity, "available"_a = stats.available,
      "held_units"_a = stats.held_units, "sold_units"_a = stats.sold_units,
      "released_units"_a = stats.released_units, "expired_units"_a = stats.expired_units);
}

py::object ToPython(const SaleStats& stats) {
  const PythonTypes& types = PythonTypes::Get();
  py::dict outcomes;
  for (int o = 0; o < kOutcomeCount; ++o) {
    outcomes[types.outcome(static_cast<Outcome>(o))] = stats.outcomes[o];
  }
  PythonCall call;  // a dataclass __init__ (bytecode)
  return types.sale_stats_class(
      "held_units"_a = stats.held_units, "sold_units"_a = stats.sold_units,
      "released_units"_a = stats.released_units, "expired_units"_a = stats.expired_units,
      "live_holds"_a = stats.live_holds, "holds_created"_a = stats.holds_created,
      "holds_confirmed"_a = stats.holds_confirmed, "holds_released"_a = stats.holds_released,
      "holds_expired"_a = stats.holds_expired, "outcomes"_a = outcomes,
      "events_dropped"_a = stats.events_dropped, "slots_retired"_a = stats.slots_retired);
}

py::object ToPython(const Event& event) {
  const PythonTypes& types = PythonTypes::Get();
  PythonCall call;  // a dataclass __init__ (bytecode)
  return types.event_class("kind"_a = types.event_kind(event.kind), "hold_id"_a = event.hold.value,
                           "buyer"_a = event.buyer, "units"_a = event.units,
                           "monotonic_ns"_a = event.monotonic_ns);
}

const char* CoreStateName(holdfast::HoldState state) {
  switch (state) {
    case holdfast::HoldState::kHeld:
      return "held";
    case holdfast::HoldState::kConfirmed:
      return "confirmed";
    case holdfast::HoldState::kReleased:
      return "released";
    case holdfast::HoldState::kExpired:
      break;
  }
  return "expired";
}

// The sale's own view of one hold (Sale::Describe, then SeatsOf for a live
// or confirmed hold with seats) as a holdfast.HoldInfo in `out`; the outcome
// when the sale has none (kUnknownHold, kNotOwner). A handle of the hold's
// own buyer learns an end it did not see.
Outcome DescribeHold(const PySale& sale, const Target& target, py::object& out) {
  if (target.malformed) return Outcome::kInvalidArgument;
  HoldInfo info;
  std::array<SeatId, kSeatsPerHoldMax> seats;
  int seat_count = 0;
  Outcome outcome;
  {
    ReleaseGil release;
    outcome = sale.sale().Describe(target.id, target.buyer, info);
    const bool seated =
        info.state == holdfast::HoldState::kHeld || info.state == holdfast::HoldState::kConfirmed;
    if (outcome == Outcome::kOk && info.seat_count > 0 && seated &&
        sale.sale().SeatsOf(target.id, target.buyer, absl::MakeSpan(seats), seat_count) !=
            Outcome::kOk) {
      seat_count = 0;  // it ended in between: the description stands, without seats
    }
  }
  if (outcome != Outcome::kOk) return outcome;
  const PythonTypes& types = PythonTypes::Get();
  py::dict lines;
  for (int i = 0; i < info.line_count; ++i) {
    lines[py::str(sale.sale().config().types[info.lines[i].type].name)] =
        py::int_(info.lines[i].quantity);
  }
  py::tuple seat_ids(static_cast<size_t>(seat_count));
  for (int i = 0; i < seat_count; ++i) seat_ids[static_cast<size_t>(i)] = py::int_(seats[i]);
  const bool deadline_known = info.expires_at != absl::InfinitePast();
  PythonCall call;  // a dataclass __init__ (bytecode)
  out = types.hold_info_class(
      "hold_id"_a = target.id.value, "state"_a = types.hold_state(CoreStateName(info.state)),
      "buyer"_a = info.buyer,
      "expires_at"_a = deadline_known ? FromTime(info.expires_at) : py::object(py::none()),
      "lines"_a = lines, "units"_a = info.units, "seats"_a = seat_ids);
  if (target.handle != nullptr && target.handle->sale == &sale &&
      target.buyer == target.handle->buyer && target.handle->state == HandleState::kHeld) {
    switch (info.state) {
      case holdfast::HoldState::kConfirmed:
        target.handle->state = HandleState::kConfirmed;
        break;
      case holdfast::HoldState::kReleased:
        target.handle->state = HandleState::kReleased;
        break;
      case holdfast::HoldState::kExpired:
        target.handle->state = HandleState::kExpired;
        break;
      case holdfast::HoldState::kHeld:
        break;
    }
  }
  return outcome;
}

std::string HoldRepr(const PyHold& hold) {
  return absl::StrCat("<holdfast.Hold id=0x", absl::Hex(hold.id.value), " buyer=", hold.buyer,
                      " units=", hold.units, " state=", HandleStateName(hold.state), ">");
}

void BindHold(py::module_& module) {
  py::class_<PyHold>(module, "Hold", R"doc(
A handle of one hold, returned by Sale.hold() and Sale.try_hold() (and the
seated forms, Sale.hold_seats() and Sale.hold_best_available(), whose handle
lists its seat ids in `seats`).

confirm(), release() and extend() act on the hold as its buyer and raise the
outcome's HoldfastError subclass unless it is Ok; the try_* forms return the
Outcome instead. Used as a context manager, the hold is released on exit
unless it was confirmed (or already ended) through this handle:

    with sale.hold(buyer, "regular", 2) as hold:
        charge_card()        # an exception here releases the hold
        hold.confirm()

`state` is what calls through this handle learned ("held", "confirmed",
"released", "expired" or "ended"); the sale is the truth. Not a lock: a
handle may be shared by threads.
)doc")
      .def_property_readonly(
          "id", [](const PyHold& h) { return h.id.value; },
          "The hold's id (an int below 2**64): can be stored and passed to "
          "Sale.confirm(id, buyer) later. Ids exceed 2**53, so a JSON number loses digits in "
          "a browser (JavaScript numbers are doubles): send id_str instead.")
      .def_property_readonly(
          "id_str", [](const PyHold& h) { return absl::StrCat(h.id.value); },
          "The hold's id as a decimal string, e.g. '18446744069414584321': exact in JSON and "
          "JavaScript. Sale.confirm, release, extend, hold_info and seats_of (and their try_* "
          "forms) take it wherever they take the int id.")
      .def_readonly("buyer", &PyHold::buyer, "The buyer who holds it.")
      .def_readonly("units", &PyHold::units,
                    "Units requested by the call that returned this handle (for an idempotent "
                    "repeat, that call's request, not compared with the first).")
      .def_readonly("sale", &PyHold::sale_object, "The Sale the hold belongs to.")
      .def_readonly("seats", &PyHold::seats,
                    "Seat ids (a tuple) of the hold, read back from the sale when the call "
                    "returned this handle: the seats of hold_seats, the chosen ones of "
                    "hold_best_available, the first call's for a repeated idempotency key; "
                    "() for a general-admission hold.")
      .def_property_readonly(
          "state",
          [](PyHold& h) {
            const Target target = TargetOf(h);
            py::object info;
            (void)DescribeHold(*h.sale, target, info);  // learns an end it did not see
            if (info) return py::object(info.attr("state"));
            return PythonTypes::Get().hold_state(HandleStateName(h.state));
          },
          "Where the hold stands, a HoldState: the sale's answer (HELD, CONFIRMED, RELEASED, "
          "EXPIRED, a dead hold included); once the sale no longer describes it, what calls "
          "through this handle learned, or ENDED.")
      .def_property_readonly(
          "expires_at",
          [](PyHold& h) {
            const Target target = TargetOf(h);
            py::object info;
            if (DescribeHold(*h.sale, target, info) != Outcome::kOk) return py::object(py::none());
            return py::object(info.attr("expires_at"));
          },
          "The deadline, a timezone-aware datetime in UTC, while the hold is live (or dead and "
          "not yet swept); None once it ended. Extend moves it.")
      .def(
          "info",
          [](PyHold& h) {
            const Target target = TargetOf(h);
            py::object info;
            RaiseUnlessOk(DescribeHold(*h.sale, target, info), "hold_info", target);
            return info;
          },
          "The sale's description of this hold, a HoldInfo (as Sale.hold_info(hold)). Raises "
          "UnknownHold once the sale no longer describes it.")
      .def(
          "confirm",
          [](PyHold& h, py::object mode) {
            const Target target = TargetOf(h);
            RaiseUnlessOk(DoConfirm(*h.sale, target, ModeOf(mode)), "confirm", target);
          },
          "mode"_a = 0,
          "Turns the hold into a sale. Ok also for a hold already confirmed (I9), unless "
          "mode=ConfirmMode.REPORT_ALREADY_CONFIRMED. Raises Expired, UnknownHold, "
          "AlreadyConfirmed (only when asked to).")
      .def(
          "try_confirm",
          [](PyHold& h, py::object mode) {
            const Target target = TargetOf(h);
            return PythonTypes::Get().outcome(DoConfirm(*h.sale, target, ModeOf(mode)));
          },
          "mode"_a = 0, "As confirm(), but returns the Outcome instead of raising.")
      .def(
          "release",
          [](PyHold& h) {
            const Target target = TargetOf(h);
            RaiseUnlessOk(DoRelease(*h.sale, target), "release", target);
          },
          "Ends the hold early and returns its units. Raises Expired, AlreadyConfirmed, "
          "UnknownHold.")
      .def(
          "try_release",
          [](PyHold& h) {
            const Target target = TargetOf(h);
            return PythonTypes::Get().outcome(DoRelease(*h.sale, target));
          },
          "As release(), but returns the Outcome instead of raising.")
      .def(
          "extend",
          [](PyHold& h, py::object ttl) {
            const Target target = TargetOf(h);
            RaiseExtendUnlessOk(*h.sale, DoExtend(*h.sale, target, ttl), target, ttl);
          },
          "ttl"_a,
          "Moves the deadline to now + ttl (timedelta or seconds), never past creation + "
          "hold_lifetime_max. Raises Expired, AlreadyConfirmed, UnknownHold, InvalidArgument.")
      .def(
          "try_extend",
          [](PyHold& h, py::object ttl) {
            const Target target = TargetOf(h);
            return PythonTypes::Get().outcome(DoExtend(*h.sale, target, ttl));
          },
          "ttl"_a, "As extend(), but returns the Outcome instead of raising.")
      .def(
          "__enter__", [](py::object self) { return self; }, "Returns the hold itself.")
      .def(
          "__exit__",
          [](PyHold& h, py::object, py::object, py::object) {
            if (h.state == HandleState::kHeld) {
              // Whatever the answer (Expired, UnknownHold, ...), the hold is
              // no longer held, which is all the exit promises.
              const Target target = TargetOf(h);
              (void)DoRelease(*h.sale, target);
            }
            return false;
          },
          "exc_type"_a, "exc_value"_a, "traceback"_a,
          "Releases the hold unless it was confirmed or ended through this handle; "
          "never suppresses the exception.")
      .def("__repr__", &HoldRepr)
      .def(
          "__eq__",
          [](const PyHold& a, py::object other) {
            if (!py::isinstance<PyHold>(other)) return false;
            const PyHold& b = other.cast<const PyHold&>();
            return a.sale == b.sale && a.id == b.id;
          },
          "other"_a)
      .def("__hash__", [](const PyHold& h) { return py::hash(py::int_(h.id.value)); });
}

// The keyword arguments every hold call takes, in one place.
#define HOLDFAST_HOLD_ARGS                                                              \
  "buyer"_a, "lines"_a, "quantity"_a = py::none(), py::kw_only(), "ttl"_a = py::none(), \
                        "idempotency_key"_a = py::none()

#define HOLDFAST_SEAT_HOLD_ARGS                                                       \
  "buyer"_a, "seats"_a, "lines"_a = py::tuple(), py::kw_only(), "ttl"_a = py::none(), \
                        "idempotency_key"_a = py::none()

#define HOLDFAST_BEST_AVAILABLE_ARGS                                                         \
  "buyer"_a, "count"_a, "sections"_a = py::tuple(), py::kw_only(), "avoid_orphans"_a = true, \
                        "allow_split"_a = false, "accessible_only"_a = false,                \
                        "allow_restricted"_a = false, "ttl"_a = py::none(),                  \
                        "idempotency_key"_a = py::none()

// The seat-map methods of Sale (hold_seats, hold_best_available, seats_of,
// seat, find_seat, seat_label, seat_count, snapshot_seats,
// seat_state_bytes).
void BindSeatMethods(py::class_<PySale>& sale_class) {
  sale_class
      .def(
          "hold_seats",
          [](py::handle self, py::handle buyer, py::handle seats, py::handle lines, py::handle ttl,
             py::handle key) {
            SeatHoldCall call = DoHoldSeats(self, buyer, seats, lines, ttl, key);
            if (call.outcome != Outcome::kOk) {
              RaiseExplained(call.outcome,
                             {.operation = "hold_seats",
                              .buyer = ToUint64(buyer, "buyer"),
                              .hold = {},
                              .taken_seat = call.taken_seat},
                             [&] {
                               return PythonTypes::Get().explain.attr("hold_seats")(
                                   self, self.cast<const PySale&>().config(), buyer, seats, lines,
                                   ttl, key);
                             });
            }
            return call.hold;
          },
          HOLDFAST_SEAT_HOLD_ARGS, R"doc(
Reserved seating: claims every seat in `seats` (ids, or labels such as
"Orchestra A-12") and every line in `lines` (as in hold()) for `buyer`, or
nothing, and returns a Hold whose `seats` are the seat ids. Seats count as
units of their section's type against every limit. Raises SeatTaken (its
`taken_seat` names the seat found taken), SoldOut, BuyerLimit, TooManyHolds,
NotOpen, Closed, HoldTableFull, BuyerTableFull or InvalidArgument (no seats,
more than 64, an unknown or repeated seat, no seat map; the message names
the argument and the rule, e.g. "seats: seat 5 is given twice"); an unknown
seat label raises UnknownName (an InvalidArgument and a KeyError). Releases
the GIL while it runs.
)doc")
      .def(
          "try_hold_seats",
          [](py::handle self, py::handle buyer, py::handle seats, py::handle lines, py::handle ttl,
             py::handle key) {
            SeatHoldCall call = DoHoldSeats(self, buyer, seats, lines, ttl, key);
            return MakeHoldAttempt(call.outcome, call.hold, call.taken_seat);
          },
          HOLDFAST_SEAT_HOLD_ARGS,
          "As hold_seats(), but never raises for an outcome: returns a HoldAttempt, the pair "
          "(outcome, hold) with hold a Hold on Ok and None otherwise; its taken_seat is the "
          "seat id found taken with SEAT_TAKEN, else None.")
      .def(
          "hold_best_available",
          [](py::handle self, py::handle buyer, py::handle count, py::handle sections,
             bool avoid_orphans, bool allow_split, bool accessible_only, bool allow_restricted,
             py::handle ttl, py::handle key) {
            HoldCall call =
                DoHoldBestAvailable(self, buyer, count, sections, avoid_orphans, allow_split,
                                    accessible_only, allow_restricted, ttl, key);
            if (call.outcome != Outcome::kOk) {
              RaiseExplained(call.outcome,
                             {.operation = "hold_best_available",
                              .buyer = ToUint64(buyer, "buyer"),
                              .hold = {}},
                             [&] {
                               return PythonTypes::Get().explain.attr("hold_best_available")(
                                   self, self.cast<const PySale&>().config(), buyer, count,
                                   sections, ttl, key);
                             });
            }
            return call.hold;
          },
          HOLDFAST_BEST_AVAILABLE_ARGS, R"doc(
Reserved seating: holds the best `count` seats and returns a Hold whose
`seats` are the chosen seat ids: adjacent seats in the best-ranked row that
has them, nearest the row's centre. `sections` (indices or names; empty:
all) limits the choice. avoid_orphans never leaves a single free seat when
another choice avoids it; allow_split takes the best seats in as few rows as
possible when no row has `count` adjacent ones; accessible_only keeps to
wheelchair seats; allow_restricted admits restricted-view seats. With a
repeated idempotency key the first request's hold and seats come back.
Raises NoAdjacentSeats, SoldOut, BuyerLimit, TooManyHolds, NotOpen, Closed,
HoldTableFull, BuyerTableFull or InvalidArgument (count outside 1 .. 64 or
above units_per_hold_max, an unknown section index, no seat map; the message
names the argument and the rule, e.g. "count=11 is above units_per_hold_max
(10)"); an unknown section name raises UnknownName. Releases the GIL while it
runs.
)doc")
      .def(
          "try_hold_best_available",
          [](py::handle self, py::handle buyer, py::handle count, py::handle sections,
             bool avoid_orphans, bool allow_split, bool accessible_only, bool allow_restricted,
             py::handle ttl, py::handle key) {
            HoldCall call =
                DoHoldBestAvailable(self, buyer, count, sections, avoid_orphans, allow_split,
                                    accessible_only, allow_restricted, ttl, key);
            return MakeHoldAttempt(call.outcome, call.hold, kNoSeat);
          },
          HOLDFAST_BEST_AVAILABLE_ARGS,
          "As hold_best_available(), but never raises for an outcome: returns a HoldAttempt, "
          "the pair (outcome, hold) with hold a Hold on Ok and None otherwise.")
      .def(
          "hold_info",
          [](const PySale& sale, py::handle hold, py::handle buyer) {
            const Target target = TargetOf(hold, buyer);
            py::object info;
            RaiseUnlessOk(DescribeHold(sale, target, info), "hold_info", target);
            return info;
          },
          "hold"_a, "buyer"_a = py::none(),
          "One hold as its buyer may see it, a HoldInfo: state, deadline (expires_at), units by "
          "type, seats. `hold` is a Hold (its buyer by default) or a hold id (an int, or its "
          "id_str) with its `buyer`. "
          "An ended hold is described until its slot is reused for a later hold. Writes "
          "nothing (a dead hold reads EXPIRED). Raises UnknownHold, NotOwner.")
      .def(
          "seats_of",
          [](const PySale& sale, py::handle hold, py::handle buyer) {
            const Target target = TargetOf(hold, buyer);
            std::array<SeatId, kSeatsPerHoldMax> seats;
            int count = 0;
            RaiseIfMalformed(target, "seats_of");
            Outcome outcome;
            {
              ReleaseGil release;
              outcome = sale.sale().SeatsOf(target.id, target.buyer, absl::MakeSpan(seats), count);
            }
            RaiseUnlessOk(outcome, "seats_of", target);
            py::tuple out(static_cast<size_t>(count));
            for (int i = 0; i < count; ++i) out[static_cast<size_t>(i)] = py::int_(seats[i]);
            return out;
          },
          "hold"_a, "buyer"_a = py::none(),
          "The seat ids (a tuple) of a live or confirmed hold: a Hold (its buyer by default) "
          "or a hold id (an int, or its id_str) with its `buyer`. Raises UnknownHold, NotOwner.")
      .def(
          "seat",
          [](const PySale& sale, py::handle seat_arg) {
            const SeatId seat = SeatOf(sale, seat_arg, /*raise_unknown=*/true);
            SeatState state;
            {
              ReleaseGil release;
              state = sale.sale().Seat(seat);
            }
            const bool free = state.status == SeatStatus::kFree;
            const bool held = state.status == SeatStatus::kHeld;
            PythonCall call;  // a dataclass __init__ (bytecode)
            return PythonTypes::Get().seat_state_class(
                "status"_a = PythonTypes::Get().seat_status(state.status),
                "hold_id"_a =
                    held ? py::object(py::int_(state.hold.value)) : py::object(py::none()),
                "buyer"_a = free ? py::object(py::none()) : py::object(py::int_(state.buyer)));
          },
          "seat"_a,
          "The state of one seat (id or label) as a SeatState: status (SeatStatus), the hold "
          "that has it (when held) and the holder or buyer. For the server, not for other "
          "buyers. A free seat, or an unknown seat id, reads FREE; an unknown label raises "
          "UnknownName (a KeyError).")
      .def(
          "find_seat",
          [](const PySale& sale, const std::string& label) -> py::object {
            SeatId seat;
            {
              ReleaseGil release;
              seat = sale.sale().FindSeat(label);
            }
            if (seat == kNoSeat) return py::none();
            return py::int_(seat);
          },
          "label"_a,
          "The id of the seat labelled \"SECTION ROW-NUMBER\" (e.g. \"Orchestra B-12\"), or "
          "None. Scans the names: not for the hot path.")
      .def(
          "seat_label",
          [](const PySale& sale, py::handle seat_arg) -> py::object {
            const int64_t id = ToSaturatedInt(seat_arg, -1, kNoSeat, "seat");
            std::string label;
            if (id >= 0) {
              ReleaseGil release;
              label = sale.sale().SeatLabel(static_cast<SeatId>(id));
            }
            if (label.empty()) return py::none();
            return py::str(label);
          },
          "seat"_a, "The seat's label, e.g. \"Orchestra B-12\"; None for an unknown seat id.")
      .def(
          "seat_count", [](const PySale& sale) { return sale.sale().SeatCount(); },
          "Seats in the seat map (0 without one); seat ids run 0 .. seat_count() - 1.")
      .def(
          "snapshot_seats",
          [](const PySale& sale) {
            const size_t words = (static_cast<size_t>(sale.sale().SeatCount()) + 63) / 64;
            std::vector<uint64_t> held(words);
            std::vector<uint64_t> sold(words);
            {
              ReleaseGil release;
              (void)sale.sale().SnapshotSeats(absl::MakeSpan(held), absl::MakeSpan(sold));
            }
            // Little-endian bytes, whatever the machine, for int.from_bytes.
            auto to_int = [](const std::vector<uint64_t>& bits) {
              std::string bytes(bits.size() * 8, '\0');
              for (size_t w = 0; w < bits.size(); ++w) {
                for (size_t b = 0; b < 8; ++b) {
                  bytes[w * 8 + b] = static_cast<char>((bits[w] >> (8 * b)) & 0xff);
                }
              }
              return py::module_::import("builtins")
                  .attr("int")
                  .attr("from_bytes")(py::bytes(bytes), "little");
            };
            return py::make_tuple(to_int(held), to_int(sold));
          },
          R"doc(
A snapshot of the whole map for a web page: (held, sold), two ints used as
bitmaps, bit i set when seat i is held (resp. sold); a seat in neither is
free. E.g. `(held >> seat) & 1`, or `[(held >> i) & 1 for i in
range(sale.seat_count())]` for a list of bits; `format(sold, "x")` is a
compact hex string to send to a browser. Each 64-seat block is read at one
instant, the map block by block, while buyers keep buying. Releases the GIL.
)doc")
      .def(
          "seat_state_bytes", [](const PySale& sale) { return sale.sale().SeatStateBytes(); },
          "Bytes of seat state (owner words and bitmaps); 0 without a seat map.");
}

void BindSaleClass(py::module_& module) {
  py::class_<PySale> sale_class(module, "Sale", R"doc(
The compiled core of holdfast.Sale: build sales with holdfast.Sale, which
takes keyword arguments or a SaleConfig and passes a normalized config here.
)doc");
  sale_class
      .def(py::init<py::handle, const Clock*>(), "config"_a, "clock"_a = py::none(),
           // The C++ sale keeps a raw pointer to its clock.
           py::keep_alive<1, 3>(),
           "Builds the sale from a normalized holdfast.SaleConfig; raises ConfigError naming "
           "the bad field. Releases the GIL while the tables are allocated, so other threads "
           "run meanwhile.")
      .def(
          "hold",
          [](py::handle self, py::handle buyer, py::handle lines, py::handle quantity,
             py::handle ttl, py::handle key) {
            HoldCall call = DoHold(self, buyer, lines, quantity, ttl, key);
            if (call.outcome != Outcome::kOk) {
              RaiseExplained(
                  call.outcome,
                  {.operation = "hold", .buyer = ToUint64(buyer, "buyer"), .hold = {}}, [&] {
                    return PythonTypes::Get().explain.attr("hold")(
                        self.cast<const PySale&>().config(), buyer, lines, quantity, ttl, key);
                  });
            }
            return call.hold;
          },
          HOLDFAST_HOLD_ARGS, R"doc(
Claims every line for `buyer`, or nothing, and returns a Hold.

`lines` is a ticket type (index or name) with `quantity` (default 1), a
mapping {type: quantity}, or an iterable of (type, quantity) pairs; lines of
one type add up. `ttl` (timedelta or seconds; None: hold_ttl_default) sets the
deadline. A non-zero `idempotency_key` makes the call idempotent per buyer:
while the hold made with the key is live or confirmed, the same hold comes
back and nothing more is claimed; after it was released or expired, a new one.
Raises SoldOut, BuyerLimit, TooManyHolds, NotOpen, Closed, HoldTableFull,
BuyerTableFull, KeyInUse, TryAgain or InvalidArgument, whose message names the
argument and the rule it broke (e.g. "quantity=11 is above units_per_hold_max
(10)"); an unknown type name raises UnknownName (an InvalidArgument and a
KeyError). Releases the GIL while it runs.
)doc")
      .def(
          "try_hold",
          [](py::handle self, py::handle buyer, py::handle lines, py::handle quantity,
             py::handle ttl, py::handle key) {
            HoldCall call = DoHold(self, buyer, lines, quantity, ttl, key);
            return MakeHoldAttempt(call.outcome, call.hold, kNoSeat);
          },
          HOLDFAST_HOLD_ARGS,
          "As hold(), but never raises for an outcome: returns a HoldAttempt, the pair "
          "(outcome, hold) with hold a Hold on Ok and None otherwise (INVALID_ARGUMENT also "
          "for an unknown type name); true when Ok. For hot loops: it builds no message.")
      .def(
          "confirm",
          [](PySale& sale, py::handle hold, py::handle buyer, py::handle mode) {
            const Target target = TargetOf(hold, buyer);
            RaiseUnlessOk(DoConfirm(sale, target, ModeOf(mode)), "confirm", target);
          },
          "hold"_a, "buyer"_a = py::none(), py::kw_only(), "mode"_a = 0, R"doc(
Turns a live hold into a sale. `hold` is a Hold (its buyer by default) or a
hold id (an int, or its id_str) with its `buyer`; a string that is no
id raises InvalidArgument (try_confirm: INVALID_ARGUMENT). Ok also for a
hold this buyer already confirmed, unless
mode=ConfirmMode.REPORT_ALREADY_CONFIRMED. Raises Expired (even if no
sweep has run: I4), UnknownHold, NotOwner, AlreadyConfirmed (when asked).
)doc")
      .def(
          "try_confirm",
          [](PySale& sale, py::handle hold, py::handle buyer, py::handle mode) {
            return PythonTypes::Get().outcome(DoConfirm(sale, TargetOf(hold, buyer), ModeOf(mode)));
          },
          "hold"_a, "buyer"_a = py::none(), py::kw_only(), "mode"_a = 0,
          "As confirm(), but returns the Outcome instead of raising.")
      .def(
          "release",
          [](PySale& sale, py::handle hold, py::handle buyer) {
            const Target target = TargetOf(hold, buyer);
            RaiseUnlessOk(DoRelease(sale, target), "release", target);
          },
          "hold"_a, "buyer"_a = py::none(),
          "Ends a live hold early and returns its units. `hold` as for confirm(). Raises "
          "Expired, AlreadyConfirmed, UnknownHold, NotOwner.")
      .def(
          "try_release",
          [](PySale& sale, py::handle hold, py::handle buyer) {
            return PythonTypes::Get().outcome(DoRelease(sale, TargetOf(hold, buyer)));
          },
          "hold"_a, "buyer"_a = py::none(),
          "As release(), but returns the Outcome instead of raising.")
      .def(
          "extend",
          [](PySale& sale, py::handle hold, py::handle buyer, py::handle ttl) {
            const Target target = TargetOf(hold, buyer);
            RaiseExtendUnlessOk(sale, DoExtend(sale, target, ttl), target, ttl);
          },
          "hold"_a, "buyer"_a = py::none(), py::kw_only(), "ttl"_a,
          "Moves a live hold's deadline to now + ttl, cut at its creation + "
          "hold_lifetime_max. Raises Expired, AlreadyConfirmed, UnknownHold, NotOwner, "
          "InvalidArgument (ttl <= 0 or above hold_lifetime_max).")
      .def(
          "try_extend",
          [](PySale& sale, py::handle hold, py::handle buyer, py::handle ttl) {
            return PythonTypes::Get().outcome(DoExtend(sale, TargetOf(hold, buyer), ttl));
          },
          "hold"_a, "buyer"_a = py::none(), py::kw_only(), "ttl"_a,
          "As extend(), but returns the Outcome instead of raising.")
      .def(
          "sweep",
          [](PySale& sale, py::handle now) {
            const bool at_now = now.is_none();
            const int64_t now_ns =
                at_now ? 0
                       : ToSaturatedInt(now, std::numeric_limits<int64_t>::min(),
                                        std::numeric_limits<int64_t>::max(), "monotonic_now_ns");
            ReleaseGil release;
            return at_now ? sale.sale().Sweep() : sale.sale().Sweep(now_ns);
          },
          "monotonic_now_ns"_a = py::none(),
          "Expires every hold whose deadline has passed and returns their units; returns how "
          "many holds it expired. `monotonic_now_ns` (a clock.monotonic_ns() reading) is cut "
          "to the clock's now, so no hold expires early.")
      .def(
          "available",
          [](const PySale& sale, py::handle type) {
            const TypeId id = sale.KnownTypeOf(type);
            ReleaseGil release;
            return sale.sale().Available(id);
          },
          "type"_a,
          "Units of `type` (index or name) a buyer could hold now: the minimum over the "
          "type, its quotas and the current cycle; 0 outside a window or for an unknown "
          "index. An unknown name raises UnknownName (a KeyError). Units of dead holds not "
          "yet swept count as taken.")
      .def(
          "type_available",
          [](const PySale& sale, py::handle type) {
            const TypeId id = sale.KnownTypeOf(type);
            ReleaseGil release;
            return sale.sale().TypeAvailable(id);
          },
          "type"_a,
          "Units of `type` neither held nor sold (its own counter alone). An unknown name "
          "raises UnknownName.")
      .def(
          "quota_available",
          [](const PySale& sale, py::handle quota) {
            const int id = sale.KnownQuotaOf(quota);
            ReleaseGil release;
            return sale.sale().QuotaAvailable(id);
          },
          "quota"_a,
          "Units left in `quota` (index or name); 0 for an unknown index, "
          "UnknownName (a KeyError) for an unknown name.")
      .def(
          "cycle_available",
          [](const PySale& sale, py::handle cycle) {
            const int id = sale.KnownCycleOf(cycle);
            ReleaseGil release;
            return sale.sale().CycleAvailable(id);
          },
          "cycle"_a,
          "Units `cycle` (index or name) can still release: allotment plus rollover minus "
          "held and sold; 0 once it has ended or for an unknown index; an unknown name raises "
          "UnknownName.")
      .def(
          "current_cycle",
          [](const PySale& sale) {
            ReleaseGil release;
            return sale.sale().CurrentCycle();
          },
          "The index of the cycle whose window contains the wall clock's now, or -1.")
      .def(
          "buyer",
          [](const PySale& sale, py::handle buyer_arg) {
            const BuyerId buyer = ToUint64(buyer_arg, "buyer");
            BuyerCounts counts;
            {
              ReleaseGil release;
              counts = sale.sale().Buyer(buyer);
            }
            return ToPython(counts);
          },
          "buyer"_a, "The buyer's counters (BuyerCounts); all zero for a buyer never seen.")
      .def(
          "type_stats_of",
          [](const PySale& sale, py::handle type) {
            const TypeId id = sale.KnownTypeOf(type);
            TypeStats stats;
            {
              ReleaseGil release;
              stats = sale.sale().TypeStatsOf(id);
            }
            return ToPython(stats);
          },
          "type"_a,
          "Counters of one ticket type (TypeStats); all zero for an unknown index, "
          "UnknownName for an unknown name.")
      .def(
          "stats",
          [](const PySale& sale) {
            SaleStats stats;
            {
              ReleaseGil release;
              stats = sale.sale().Stats();
            }
            return ToPython(stats);
          },
          "Counters of the whole sale (SaleStats). Exact at a quiescent point (I10).")
      .def(
          "drain_events",
          [](PySale& sale, py::handle max_events) {
            const auto max =
                static_cast<size_t>(ToSaturatedInt(max_events, 0, kEventsMax + 1, "max_events"));
            std::vector<Event> events(max);
            size_t count = 0;
            {
              ReleaseGil release;
              count = sale.sale().DrainEvents(absl::MakeSpan(events));
            }
            py::list out(count);
            for (size_t i = 0; i < count; ++i) out[i] = ToPython(events[i]);
            return out;
          },
          "max_events"_a = 1024,
          "Removes up to `max_events` events, in order per thread, and returns them as a list of "
          "Event. Empty when the sale was built with events_max=0.")
      .def(
          "wait_for_events",
          [](PySale& sale, py::handle timeout) {
            const absl::Duration wait = ToDuration(timeout, "timeout");
            ReleaseGil release;
            return sale.sale().WaitForEvents(wait);
          },
          "timeout"_a,
          "Blocks (the GIL released) until an event waits to be drained or `timeout` (timedelta "
          "or seconds, real time) passes; True when one waits, False on timeout or for a sale "
          "built with events_max=0. Woken by the operation that publishes the event, not by "
          "polling. Sale.iter_events() and Sale.events() are built on it.")
      .def(
          "memory_bytes", [](const PySale& sale) { return sale.sale().MemoryBytes(); },
          "Bytes the sale allocated when it was built; it never changes.");
  BindSeatMethods(sale_class);
}

void BindSweeper(py::module_& module) {
  py::class_<Sweeper>(module, "Sweeper", R"doc(
A background thread that calls sale.sweep() every `interval`, so counters and
events follow expiry promptly when nothing else sweeps.

Sweeper(sale, interval): interval is a timedelta or seconds. It sweeps at
once, then every interval: any positive interval is honoured, however short;
one too long for the steady clock (timedelta.max, float('inf')) means one
sweep, then sleep until stop(); a non-positive one means 1 ms. The sweeper
keeps its sale alive. Use it as a context manager, or call stop(); it also
stops when garbage-collected.

    with holdfast.Sweeper(sale, timedelta(milliseconds=100)):
        serve()
)doc")
      .def(py::init([](PySale& sale, py::handle interval) {
             return std::make_unique<Sweeper>(&sale.sale(), ToDuration(interval, "interval"));
           }),
           "sale"_a, "interval"_a, py::keep_alive<1, 2>(), "Starts the thread.")
      .def(
          "stop",
          [](Sweeper& sweeper) {
            ReleaseGil release;
            sweeper.Stop();
          },
          "Stops the thread and waits for it; a sweep in progress finishes first. "
          "Idempotent.")
      .def_property_readonly("expired", &Sweeper::expired, "Holds expired by this sweeper.")
      .def_property_readonly("sweeps", &Sweeper::sweeps, "Sweeps run so far.")
      .def(
          "__enter__", [](py::object self) { return self; }, "Returns the sweeper itself.")
      .def(
          "__exit__",
          [](Sweeper& sweeper, py::object, py::object, py::object) {
            ReleaseGil release;
            sweeper.Stop();
            return false;
          },
          "exc_type"_a, "exc_value"_a, "traceback"_a, "Stops the thread.")
      .def("__repr__", [](const Sweeper& sweeper) {
        return absl::StrCat("<holdfast.Sweeper sweeps=", sweeper.sweeps(),
                            " expired=", sweeper.expired(), ">");
      });
}

}  // namespace

void BindSale(py::module_& module) {
  BindHold(module);
  BindSaleClass(module);
  BindSweeper(module);
  module.def(
      "validate_config",
      [](py::handle config) {
        const absl::Status status = ValidateConfig(BuildConfig(config, nullptr));
        if (!status.ok()) RaiseConfigError(status);
      },
      "config"_a,
      "Checks a normalized holdfast.SaleConfig the way Sale() does; raises ConfigError "
      "naming the bad field.");
  module.def(
      "parse_seat_map",
      [](const std::string& text) {
        absl::StatusOr<SeatMapConfig> map;
        {
          ReleaseGil release;
          map = ParseSeatMap(text);
        }
        if (!map.ok()) RaiseConfigError(map.status());
        return ToPython(*map);
      },
      "text"_a, R"doc(
Parses a seat map's text into a SeatMap, for SaleConfig(seat_map=...) (which
also takes the text itself). One directive a line, '#' starts a comment:

    section Orchestra type=0
    row A seats=20 rank=1 accessible=1,2
    row B seats=22 first=1 rank=2 restricted=22

A seat's label is "SECTION ROW-NUMBER", e.g. "Orchestra A-12". Raises
ConfigError (a ValueError) naming the line, e.g. "line 3: row B: seats=0 is
outside [1, 1024]".
)doc");
}

}  // namespace holdfast::python
