// python/src/gil.h: releasing the GIL around a core call, safely even while
// the interpreter exits.
//
//   {
//     ReleaseGil release;           // instead of py::gil_scoped_release
//     outcome = sale.Confirm(...);  // no Python object touched in here
//   }
//
// Why not py::gil_scoped_release: once Python has begun finalizing, a daemon
// thread that asks for the GIL back is ended with pthread_exit(), which
// unwinds the thread's stack by a forced unwind. gil_scoped_release asks from
// its destructor, which is noexcept, so the unwind reached it and called
// std::terminate ("terminate called without an active exception"): daemon
// threads inside holdfast calls aborted the process at exit.
//
// ReleaseGil never asks for the GIL after finalization has begun. An atexit
// hook (InstallExitGate) runs before Python starts finalizing; from then on a
// thread other than the one exiting that comes back from a core call parks for
// good instead of asking for the GIL (what Python 3.14 itself does with daemon
// threads), and the hook waits, with the GIL released, until every thread that
// asked before it has got the GIL. A parked thread holds no lock and no
// Python object; the process ends it when it exits.
#ifndef HOLDFAST_PYTHON_SRC_GIL_H_
#define HOLDFAST_PYTHON_SRC_GIL_H_

#include <pybind11/pybind11.h>

namespace holdfast::python {

// Releases the GIL for its scope (PyEval_SaveThread / PyEval_RestoreThread).
// Needs the GIL on construction; gives it back on destruction, or, once the
// interpreter is exiting and this is not the exiting thread, never returns.
class ReleaseGil {
 public:
  ReleaseGil();
  ~ReleaseGil();
  ReleaseGil(const ReleaseGil&) = delete;
  ReleaseGil& operator=(const ReleaseGil&) = delete;

 private:
  PyThreadState* state_;
};

// Marks a call from this module's C++ into Python code that may run
// bytecode (a record's dataclass __init__, an exception class, an enum
// lookup, holdfast._explain). Python 3.11 ends a daemon thread that waits
// for the GIL once finalization has begun with pthread_exit, whose forced
// unwind would run the cleanups of the C++ frames below that bytecode
// (Py_DECREF without the GIL: a crash at exit). So once the exit gate has
// closed, a thread other than the exiting one parks here, with the GIL
// released, instead of making the call; and the exit hook waits, with the
// GIL released, until the calls in progress have returned.
//
//   {
//     PythonCall call;
//     record = types.sale_stats_class("held_units"_a = ...);
//   }
//
// Needs the GIL. Never allocates.
class PythonCall {
 public:
  PythonCall();
  ~PythonCall();
  PythonCall(const PythonCall&) = delete;
  PythonCall& operator=(const PythonCall&) = delete;
};

// Registers the exit hook with Python's atexit. Called once from the
// module's init, with the GIL.
void InstallExitGate(pybind11::module_& module);

}  // namespace holdfast::python

#endif  // HOLDFAST_PYTHON_SRC_GIL_H_
