// python/src/text_signature.h: real signatures for the compiled functions.
//
// pybind11 builtins have no __text_signature__, so inspect.signature() fails
// on them and help() shows `object` for every py::handle argument. After the
// module's functions and classes are bound, AddTextSignatures rewrites each
// function's docstring to start with the "name(self, a, b=None, *, c=0)\n--\n\n"
// line CPython reads __text_signature__ from, built from pybind11's own
// argument records (names, defaults, keyword-only marker), so it cannot drift
// from what the function accepts:
//
//   holdfast::python::AddTextSignatures(module);   // last, in PYBIND11_MODULE
//   # Python: inspect.signature(holdfast.Sale.hold)
//   #   -> (self, buyer, lines, quantity=None, *, ttl=None, idempotency_key=None)
//
// Parameter names only: the types are in holdfast/_core.pyi. Needs the GIL.
#ifndef HOLDFAST_PYTHON_SRC_TEXT_SIGNATURE_H_
#define HOLDFAST_PYTHON_SRC_TEXT_SIGNATURE_H_

#include <pybind11/pybind11.h>

namespace holdfast::python {

// Gives every pybind11 function of `module`, and every method and static
// method of the classes defined in it, a text signature. Overloaded functions
// are left as pybind11 made them. Throws error_already_set on a Python error.
void AddTextSignatures(pybind11::module_& module);

}  // namespace holdfast::python

#endif  // HOLDFAST_PYTHON_SRC_TEXT_SIGNATURE_H_
