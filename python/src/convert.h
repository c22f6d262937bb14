// python/src/convert.h: Python values <-> holdfast's C++ values: timedelta or
// seconds -> absl::Duration, timezone-aware datetime <-> absl::Time, Python
// int -> bounded C++ integers. Conversions never lose an exact value: a
// timedelta becomes whole microseconds, a float of seconds is rounded to the
// nanosecond.
//
//   absl::Duration ttl = ToDuration(py_ttl, "ttl");            // None -> ZeroDuration
//   absl::Time opens = ToTime(py_opens, absl::InfinitePast(), "cycles[0].opens_at");
//
// Every function needs the GIL. Bad types raise TypeError and a naive datetime
// raises ValueError, as py::type_error / py::value_error.
#ifndef HOLDFAST_PYTHON_SRC_CONVERT_H_
#define HOLDFAST_PYTHON_SRC_CONVERT_H_

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string_view>

#include "absl/time/time.h"

namespace holdfast::python {

namespace py = pybind11;

// Imports the datetime C API. Called once from the module's init.
void InitConvert();

// None -> absl::ZeroDuration() (holdfast's "use the default"); a timedelta
// exactly; an int or float as seconds (NaN -> -1 ns, so it is refused as
// InvalidArgument; +-inf -> +-InfiniteDuration). `what` names the argument
// in a TypeError.
absl::Duration ToDuration(py::handle value, std::string_view what);

// None -> `if_none`; a timezone-aware datetime exactly. A naive datetime is a
// ValueError (noon in which time zone?).
absl::Time ToTime(py::handle value, absl::Time if_none, std::string_view what);

// A timezone-aware datetime in UTC, truncated to the microsecond; None for an
// infinite time.
py::object FromTime(absl::Time time);

// A timedelta, truncated to the microsecond.
py::object FromDuration(absl::Duration duration);

// A Python int saturated to [min, max]; TypeError for anything that is not an
// int (bool counts as int, as in Python).
int64_t ToSaturatedInt(py::handle value, int64_t min, int64_t max, std::string_view what);

// A Python int as an unsigned 64-bit value; ValueError outside 0 .. 2**64-1.
uint64_t ToUint64(py::handle value, std::string_view what);

}  // namespace holdfast::python

#endif  // HOLDFAST_PYTHON_SRC_CONVERT_H_
