// python/src/initialized.h: refusing objects whose __init__ never ran.
//
// `holdfast.Sale.__new__(holdfast.Sale)` makes an instance whose C++ object
// was never built; pybind11 would hand a method uninitialized memory for it
// (it allocates the storage lazily for __init__ to fill), and the method
// crashed. Every bound class is cast through InitializedCaster instead,
// which raises TypeError for such an object:
//
//   namespace pybind11::detail {
//   template <> class type_caster<Foo> : public holdfast::python::InitializedCaster<Foo> {};
//   }
//
// The specialization must be seen before the first cast of the type in every
// file that casts it; this header declares the ones of the public types.
#ifndef HOLDFAST_PYTHON_SRC_INITIALIZED_H_
#define HOLDFAST_PYTHON_SRC_INITIALIZED_H_

#include <pybind11/pybind11.h>

#include <string>
#include <typeinfo>

#include "holdfast/clock.h"
#include "holdfast/sweeper.h"

namespace holdfast::python {

// Raises TypeError unless `src` (an instance of the class bound for `type`)
// had its __init__ run. Needs the GIL.
inline void RequireInitialized(pybind11::handle src, const std::type_info& type) {
  namespace detail = pybind11::detail;
  detail::type_info* info = detail::get_type_info(type);
  if (info == nullptr || !PyObject_TypeCheck(src.ptr(), info->type)) return;
  // The instance's first (for these single-inheritance classes, only) C++
  // part: for a ManualClock cast as a Clock, the ManualClock. An instance
  // that owns its object (every one Python made) has its holder constructed
  // exactly when an __init__ ran; one that does not (SystemClock.get()'s
  // reference) wraps an object that C++ built.
  auto* instance = reinterpret_cast<detail::instance*>(src.ptr());
  if (instance->owned && !instance->get_value_and_holder().holder_constructed()) {
    throw pybind11::type_error(
        std::string(pybind11::str(pybind11::type::of(src).attr("__name__"))) +
        " object is not initialized: its __init__ was never called");
  }
}

// pybind11's caster for a bound class, plus the check above.
template <typename T>
class InitializedCaster : public pybind11::detail::type_caster_base<T> {
 public:
  bool load(pybind11::handle src, bool convert) {
    if (!pybind11::detail::type_caster_base<T>::load(src, convert)) return false;
    if (!src.is_none()) RequireInitialized(src, typeid(T));
    return true;
  }
};

}  // namespace holdfast::python

namespace pybind11::detail {
template <>
class type_caster<holdfast::Clock> : public holdfast::python::InitializedCaster<holdfast::Clock> {};
template <>
class type_caster<holdfast::SystemClock>
    : public holdfast::python::InitializedCaster<holdfast::SystemClock> {};
template <>
class type_caster<holdfast::ManualClock>
    : public holdfast::python::InitializedCaster<holdfast::ManualClock> {};
template <>
class type_caster<holdfast::Sweeper>
    : public holdfast::python::InitializedCaster<holdfast::Sweeper> {};
}  // namespace pybind11::detail

#endif  // HOLDFAST_PYTHON_SRC_INITIALIZED_H_
