// AddTextSignatures (text_signature.h): reads pybind11's function_record of
// each function and writes the text signature CPython parses into ml_doc.
#include "src/text_signature.h"

#include <Python.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace holdfast::python {
namespace {

namespace py = pybind11;

// A default CPython's signature parser accepts (inspect evaluates it with
// ast.literal_eval): the repr of None, a bool, an int, a float, a str or a
// tuple of these; anything else reads as `...`.
bool IsLiteral(py::handle value) {
  if (value.is_none() || PyBool_Check(value.ptr()) || PyLong_Check(value.ptr()) ||
      PyFloat_Check(value.ptr()) || PyUnicode_Check(value.ptr())) {
    return true;
  }
  if (!PyTuple_Check(value.ptr())) return false;
  for (py::handle item : py::reinterpret_borrow<py::tuple>(value)) {
    if (!IsLiteral(item)) return false;
  }
  return true;
}

std::string DefaultOf(py::handle value) {
  return IsLiteral(value) ? std::string(py::repr(value)) : std::string("...");
}

// "(self, a, b=None, *, c=0)" from the record's arguments. pybind11 names a
// method's first argument "self" and leaves the others unnamed when the
// binding named none; those read argN, as in pybind11's own signatures.
std::string SignatureOf(const py::detail::function_record& rec) {
  std::string out = "(";
  bool keyword_only = false;
  for (size_t i = 0; i < rec.nargs; ++i) {
    if (i > 0) out += ", ";
    if (rec.nargs_pos_only > 0 && i == rec.nargs_pos_only) out += "/, ";
    const bool named = i < rec.args.size() && rec.args[i].name != nullptr;
    std::string name = named                       ? std::string(rec.args[i].name)
                       : (i == 0 && rec.is_method) ? std::string("self")
                                                   : "arg" + std::to_string(i);
    if (rec.has_kwargs && i + 1 == rec.nargs) {
      out += "**" + name;
      continue;
    }
    if (rec.has_args && i == rec.nargs_pos) {
      out += "*" + name;
      keyword_only = true;
      continue;
    }
    if (i >= rec.nargs_pos && !keyword_only) {
      out += "*, ";
      keyword_only = true;
    }
    out += name;
    if (named && rec.args[i].value) out += "=" + DefaultOf(rec.args[i].value);
  }
  return out + ")";
}

// Rewrites one function's docstring; anything not a single pybind11
// function is left alone.
void AddTo(py::handle function) {
  if (PyObject_TypeCheck(function.ptr(), &PyStaticMethod_Type)) {
    function = py::handle(function.attr("__func__"));
  }
  py::handle func = py::detail::get_function(function);
  if (!func || !PyCFunction_Check(func.ptr())) return;
  PyObject* self = PyCFunction_GET_SELF(func.ptr());
  if (self == nullptr || !PyCapsule_CheckExact(self)) return;
  auto capsule = py::reinterpret_borrow<py::capsule>(self);
  if (!py::detail::is_function_record_capsule(capsule)) return;
  auto* rec = capsule.get_pointer<py::detail::function_record>();
  if (rec == nullptr || rec->next != nullptr || rec->def == nullptr) return;
  std::string doc = std::string(rec->name) + SignatureOf(*rec) + "\n--\n\n";
  if (rec->doc != nullptr) {
    const char* text = rec->doc;
    while (*text == '\n') ++text;  // R"doc( bodies open with a newline
    doc += text;
  }
  // pybind11 frees ml_doc with free() when the function dies: same allocator.
  char* copy = static_cast<char*>(std::malloc(doc.size() + 1));
  if (copy == nullptr) throw std::bad_alloc();
  std::memcpy(copy, doc.c_str(), doc.size() + 1);
  std::free(const_cast<char*>(rec->def->ml_doc));
  rec->def->ml_doc = copy;
}

}  // namespace

void AddTextSignatures(py::module_& module) {
  const std::string name = py::str(module.attr("__name__"));
  for (auto item : py::reinterpret_borrow<py::dict>(module.attr("__dict__"))) {
    py::handle value = item.second;
    if (PyType_Check(value.ptr())) {
      if (!py::hasattr(value, "__module__") ||
          std::string(py::str(value.attr("__module__"))) != name) {
        continue;
      }
      // The type's own dict (its __dict__ is a read-only proxy of it).
      PyObject* members = reinterpret_cast<PyTypeObject*>(value.ptr())->tp_dict;
      for (auto member : py::reinterpret_borrow<py::dict>(members)) AddTo(member.second);
    } else {
      AddTo(value);
    }
  }
}

}  // namespace holdfast::python
