// The exit gate of gil.h: a flag set by an atexit hook, and a count of
// threads between deciding to take the GIL back and having it.
#include "src/gil.h"

#include <pythread.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace holdfast::python {
namespace {

// All three are seq_cst: the gate is a Dekker handshake. A returning thread
// increments `reacquiring`, then reads `exiting`; the hook stores `exiting`,
// then reads `reacquiring`. Sequential consistency guarantees that at least
// one of them sees the other's write: either the thread parks, or the hook
// waits until the thread holds the GIL (before finalization can begin).
std::atomic<bool> exiting{false};
std::atomic<int> reacquiring{0};
// Threads inside a PythonCall (counted once per nesting level), and this
// thread's nesting level: a thread that parks takes its levels out.
std::atomic<int> in_python_calls{0};
thread_local int python_call_depth = 0;
// The thread that ran the hook (Python's main thread): it goes on to run
// later atexit callbacks and finalization, so it must never park.
std::atomic<unsigned long> exit_thread{0};

[[noreturn]] void Park() {
  // seq_cst: the handshake with OnExit; this thread's calls will never return.
  if (python_call_depth != 0)
    in_python_calls.fetch_sub(python_call_depth, std::memory_order_seq_cst);
  for (;;) std::this_thread::sleep_for(std::chrono::hours(24));
}

bool MustPark() {
  // seq_cst: the handshake with OnExit.
  return exiting.load(std::memory_order_seq_cst) &&
         PyThread_get_thread_ident() != exit_thread.load(std::memory_order_seq_cst);
}

void OnExit() {
  // seq_cst: see above.
  exit_thread.store(PyThread_get_thread_ident(), std::memory_order_seq_cst);
  exiting.store(true, std::memory_order_seq_cst);
  // Threads that passed the gate are waiting for the GIL, which this thread
  // holds: let them have it, and wait until each one has (a microsecond or
  // so each; they decrement as soon as PyEval_RestoreThread returns).
  // Threads inside a PythonCall finish it (and park at their next one).
  PyThreadState* state = PyEval_SaveThread();
  while (reacquiring.load(std::memory_order_seq_cst) != 0 ||
         in_python_calls.load(std::memory_order_seq_cst) != 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  PyEval_RestoreThread(state);
}

}  // namespace

ReleaseGil::ReleaseGil() : state_(PyEval_SaveThread()) {}

ReleaseGil::~ReleaseGil() {
  // seq_cst: the handshake with OnExit.
  reacquiring.fetch_add(1, std::memory_order_seq_cst);
  if (MustPark()) {
    reacquiring.fetch_sub(1, std::memory_order_seq_cst);
    Park();
  }
  PyEval_RestoreThread(state_);
  reacquiring.fetch_sub(1, std::memory_order_seq_cst);
}

PythonCall::PythonCall() {
  // seq_cst: the handshake with OnExit (count first, then read the flag).
  in_python_calls.fetch_add(1, std::memory_order_seq_cst);
  if (MustPark()) {
    in_python_calls.fetch_sub(1, std::memory_order_seq_cst);
    PyEval_SaveThread();  // the GIL goes to the exiting thread, for good
    Park();
  }
  ++python_call_depth;
}

PythonCall::~PythonCall() {
  --python_call_depth;
  // seq_cst: see the constructor.
  in_python_calls.fetch_sub(1, std::memory_order_seq_cst);
}

void InstallExitGate(pybind11::module_& module) {
  pybind11::cpp_function hook(&OnExit);
  module.attr("_exit_gate") = hook;
  pybind11::module_::import("atexit").attr("register")(hook);
}

}  // namespace holdfast::python
