// python/src/bindings.h: the parts of holdfast._core, each defined in its own
// file and called in this order by module.cc's PYBIND11_MODULE.
#ifndef HOLDFAST_PYTHON_SRC_BINDINGS_H_
#define HOLDFAST_PYTHON_SRC_BINDINGS_H_

#include <pybind11/pybind11.h>

namespace holdfast::python {

// Clock, SystemClock, ManualClock (clock_binding.cc).
void BindClocks(pybind11::module_& module);
// Sale, Hold, Sweeper, validate_config and parse_seat_map (sale_binding.cc).
void BindSale(pybind11::module_& module);

}  // namespace holdfast::python

#endif  // HOLDFAST_PYTHON_SRC_BINDINGS_H_
