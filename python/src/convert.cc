// Time and integer conversions on CPython's datetime and long C APIs, which
// are exact and, for the per-call TTL, much cheaper than attribute lookups.
#include "src/convert.h"

// datetime.h declares a per-file static API pointer, so every use of the
// datetime C API lives in this one file.
#include <datetime.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace holdfast::python {

using py::literals::operator""_a;

namespace {

constexpr int64_t kSecondsPerDay = 86400;
// The largest day count whose microseconds fit in an int64 with room to spare.
constexpr int64_t kDaysInRange =
    std::numeric_limits<int64_t>::max() / (kSecondsPerDay * 1000000) - 1;

[[noreturn]] void ThrowType(std::string_view what, std::string_view expected, py::handle value) {
  throw py::type_error(std::string(what) + ": expected " + std::string(expected) + ", got " +
                       std::string(py::str(py::type::of(value).attr("__name__"))));
}

// The datetime module's UTC-epoch datetime, for aware subtraction.
py::object& Epoch() {
  // Leaked on purpose: see python_types.cc.
  static py::object* epoch = nullptr;
  if (epoch == nullptr) {
    py::module_ datetime = py::module_::import("datetime");
    py::object utc = datetime.attr("timezone").attr("utc");
    epoch = new py::object(datetime.attr("datetime")(1970, 1, 1, "tzinfo"_a = utc));
  }
  return *epoch;
}

absl::Duration FromTimedelta(PyObject* delta) {
  // The fields, as PyDateTime_DELTA_GET_* read them (without their C casts).
  const auto* fields = reinterpret_cast<const PyDateTime_Delta*>(delta);
  const int64_t days = fields->days;
  const int64_t seconds = fields->seconds;
  const int64_t micros = fields->microseconds;
  // timedelta spans +-999999999 days, past what absl::Duration's int64
  // microseconds hold exactly: saturate (such a TTL is refused anyway).
  if (days > kDaysInRange) return absl::InfiniteDuration();
  if (days < -kDaysInRange) return -absl::InfiniteDuration();
  return absl::Seconds(days * kSecondsPerDay + seconds) + absl::Microseconds(micros);
}

}  // namespace

void InitConvert() {
  PyDateTime_IMPORT;
  if (PyDateTimeAPI == nullptr) throw py::error_already_set();
}

absl::Duration ToDuration(py::handle value, std::string_view what) {
  PyObject* object = value.ptr();
  if (object == Py_None) return absl::ZeroDuration();
  if (PyDelta_Check(object)) return FromTimedelta(object);
  if (PyLong_Check(object)) {
    int overflow = 0;
    const long long seconds = PyLong_AsLongLongAndOverflow(object, &overflow);
    if (overflow > 0) return absl::InfiniteDuration();
    if (overflow < 0) return -absl::InfiniteDuration();
    return absl::Seconds(seconds);
  }
  if (PyFloat_Check(object)) {
    const double seconds = PyFloat_AS_DOUBLE(object);
    if (std::isnan(seconds)) return -absl::Nanoseconds(1);
    // Round to whole nanoseconds like the C++ API. Past an int64 of
    // nanoseconds (and +-inf) saturate to +-InfiniteDuration, as ints do.
    const double nanos = seconds * 1e9;
    constexpr double kTwoTo63 = 9223372036854775808.0;
    if (nanos >= kTwoTo63) return absl::InfiniteDuration();
    if (nanos <= -kTwoTo63) return -absl::InfiniteDuration();
    return absl::Nanoseconds(std::llround(nanos));
  }
  ThrowType(what, "a timedelta or seconds (int or float), or None", value);
}

absl::Time ToTime(py::handle value, absl::Time if_none, std::string_view what) {
  PyObject* object = value.ptr();
  if (object == Py_None) return if_none;
  if (!PyDateTime_Check(object)) ThrowType(what, "a timezone-aware datetime, or None", value);
  if (value.attr("utcoffset")().is_none()) {
    throw py::value_error(std::string(what) +
                          ": a naive datetime; give it a tzinfo (e.g. timezone.utc), "
                          "cycle windows are wall-clock instants");
  }
  py::object delta = value - Epoch();
  return absl::UnixEpoch() + FromTimedelta(delta.ptr());
}

py::object FromTime(absl::Time time) {
  if (time == absl::InfinitePast() || time == absl::InfiniteFuture()) return py::none();
  const int64_t micros = absl::ToUnixMicros(time);
  const int64_t days = micros / (kSecondsPerDay * 1000000);
  const int64_t rest = micros % (kSecondsPerDay * 1000000);
  py::object delta = py::reinterpret_steal<py::object>(PyDelta_FromDSU(
      static_cast<int>(days), static_cast<int>(rest / 1000000), static_cast<int>(rest % 1000000)));
  if (!delta) throw py::error_already_set();
  return Epoch() + delta;
}

py::object FromDuration(absl::Duration duration) {
  const int64_t micros = absl::ToInt64Microseconds(duration);
  const int64_t per_day = kSecondsPerDay * 1000000;
  // Python's floor division, so the seconds and microseconds are >= 0 as
  // timedelta normalizes them.
  int64_t days = micros / per_day;
  int64_t rest = micros % per_day;
  if (rest < 0) {
    rest += per_day;
    --days;
  }
  py::object delta = py::reinterpret_steal<py::object>(PyDelta_FromDSU(
      static_cast<int>(days), static_cast<int>(rest / 1000000), static_cast<int>(rest % 1000000)));
  if (!delta) throw py::error_already_set();
  return delta;
}

int64_t ToSaturatedInt(py::handle value, int64_t min, int64_t max, std::string_view what) {
  if (!PyLong_Check(value.ptr())) ThrowType(what, "an int", value);
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow > 0) return max;
  if (overflow < 0) return min;
  return std::clamp<int64_t>(v, min, max);
}

uint64_t ToUint64(py::handle value, std::string_view what) {
  if (!PyLong_Check(value.ptr())) ThrowType(what, "an int", value);
  const unsigned long long v = PyLong_AsUnsignedLongLong(value.ptr());
  if (v == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
    PyErr_Clear();
    throw py::value_error(std::string(what) + ": must be in 0 .. 2**64-1");
  }
  return v;
}

}  // namespace holdfast::python
