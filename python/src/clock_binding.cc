// The clocks in Python: SystemClock (the default) and ManualClock, the test
// clock that moves only when told to. A Sale stores a raw pointer to its
// clock, so sale_binding.cc keeps the Python clock object alive as long as the
// sale (py::keep_alive); nothing here needs to.
#include <pybind11/pybind11.h>

#include <cstdio>
#include <string>

#include "absl/time/time.h"
#include "holdfast/clock.h"
#include "src/bindings.h"
#include "src/convert.h"
#include "src/initialized.h"

namespace holdfast::python {

using py::literals::operator""_a;

namespace {

std::string DescribeClock(const Clock& clock, const char* name) {
  const int64_t ns = clock.MonotonicNanos();
  char monotonic[64];
  std::snprintf(monotonic, sizeof(monotonic), "%.6fs", static_cast<double>(ns) / 1e9);
  return std::string("<holdfast.") + name + " monotonic=" + monotonic +
         " wall=" + absl::FormatTime(absl::RFC3339_full, clock.WallNow(), absl::UTCTimeZone()) +
         ">";
}

}  // namespace

void BindClocks(py::module_& module) {
  py::class_<Clock>(module, "Clock", R"doc(
The time source of a Sale (abstract; use SystemClock or ManualClock).

Hold deadlines run on the monotonic reading, so a wall-clock step never cuts a
hold short; sales-cycle windows use the wall-clock reading. Clocks can't be
written in Python: the lock-free core reads the clock without the GIL.
)doc")
      .def("monotonic_ns", &Clock::MonotonicNanos,
           "Nanoseconds on a monotonic time line with an arbitrary origin.")
      .def(
          "wall_now", [](const Clock& clock) { return FromTime(clock.WallNow()); },
          "The wall-clock instant, as a timezone-aware datetime in UTC.");

  py::class_<SystemClock, Clock>(module, "SystemClock", R"doc(
The real clocks: CLOCK_MONOTONIC and the system's wall clock.

A Sale built without a clock uses SystemClock.get(). There is one instance;
it lives for the whole process.
)doc")
      .def_static(
          "get", []() { return SystemClock::Get(); }, py::return_value_policy::reference,
          "The process-wide SystemClock.")
      .def("__repr__",
           [](const SystemClock& clock) { return DescribeClock(clock, "SystemClock"); });

  py::class_<ManualClock, Clock>(module, "ManualClock", R"doc(
A clock that moves only when told to: tests drive time by hand.

ManualClock(wall=None): monotonic time starts at 0 and wall time at `wall`
(a timezone-aware datetime; None means the Unix epoch). advance() moves both
forward; set_wall() moves wall time alone, as a wall-clock step would, and
does not affect hold deadlines. Thread-safe.

    clock = holdfast.ManualClock(datetime(2026, 11, 27, 11, 59, tzinfo=timezone.utc))
    sale = holdfast.Sale(types={"regular": 300}, clock=clock)
    clock.advance(timedelta(minutes=10))   # every 10-minute hold is now dead
)doc")
      .def(py::init([](py::object wall) {
             return new ManualClock(ToTime(wall, absl::UnixEpoch(), "wall"));
           }),
           "wall"_a = py::none(),
           "Starts at monotonic time 0 and wall time `wall` (aware datetime, or None "
           "for the Unix epoch).")
      .def(
          "advance", [](ManualClock& clock, py::object by) { clock.Advance(ToDuration(by, "by")); },
          "by"_a,
          "Moves monotonic and wall time forward by `by` (timedelta or seconds). A negative "
          "value is ignored: monotonic time never goes back. Each reading saturates at "
          "2**63 - 1 ns (timedelta.max, float('inf'), or advances adding up past it) instead "
          "of wrapping.")
      .def(
          "set_wall",
          [](ManualClock& clock, py::object wall) {
            clock.SetWall(ToTime(wall, absl::UnixEpoch(), "wall"));
          },
          "wall"_a,
          "Sets wall time alone (an aware datetime), forwards or backwards; hold deadlines "
          "are not affected.")
      .def("__repr__",
           [](const ManualClock& clock) { return DescribeClock(clock, "ManualClock"); });
}

}  // namespace holdfast::python
