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

// Registers the exit hook with Python's atexit. Called once from the
// module's init, with the GIL.
void InstallExitGate(pybind11::module_& module);

}  // namespace holdfast::python

#endif  // HOLDFAST_PYTHON_SRC_GIL_H_
