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
// The thread that ran the hook (Python's main thread): it goes on to run
// later atexit callbacks and finalization, so it must never park.
std::atomic<unsigned long> exit_thread{0};

[[noreturn]] void Park() {
  for (;;) std::this_thread::sleep_for(std::chrono::hours(24));
}

void OnExit() {
  // seq_cst: see above.
  exit_thread.store(PyThread_get_thread_ident(), std::memory_order_seq_cst);
  exiting.store(true, std::memory_order_seq_cst);
  // Threads that passed the gate are waiting for the GIL, which this thread
  // holds: let them have it, and wait until each one has (a microsecond or
  // so each; they decrement as soon as PyEval_RestoreThread returns).
  PyThreadState* state = PyEval_SaveThread();
  while (reacquiring.load(std::memory_order_seq_cst) != 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  PyEval_RestoreThread(state);
}

}  // namespace

ReleaseGil::ReleaseGil() : state_(PyEval_SaveThread()) {}

ReleaseGil::~ReleaseGil() {
  // seq_cst: the handshake with OnExit.
  reacquiring.fetch_add(1, std::memory_order_seq_cst);
  if (exiting.load(std::memory_order_seq_cst) &&
      PyThread_get_thread_ident() != exit_thread.load(std::memory_order_seq_cst)) {
    reacquiring.fetch_sub(1, std::memory_order_seq_cst);
    Park();
  }
  PyEval_RestoreThread(state_);
  reacquiring.fetch_sub(1, std::memory_order_seq_cst);
}

void InstallExitGate(pybind11::module_& module) {
  pybind11::cpp_function hook(&OnExit);
  module.attr("_exit_gate") = hook;
  pybind11::module_::import("atexit").attr("register")(hook);
}

}  // namespace holdfast::python
