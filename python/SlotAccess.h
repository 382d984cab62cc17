//===- SlotAccess.h - direct access to a Python class's __slots__ ---------===//
//
// The dispatch helpers read and fill mlax Array's two __slots__ (`_buffer`,
// `aval`) at their offsets, without attribute lookups.
//
//===----------------------------------------------------------------------===//
#ifndef MLAX_PYTHON_SLOTACCESS_H
#define MLAX_PYTHON_SLOTACCESS_H

#include "nanobind/nanobind.h"

#include <Python.h>
#include <structmember.h>

#include <string>

namespace mlax {

/// The offset of `type.<name>`, which must be a writable __slots__ object
/// member; throws TypeError otherwise.
inline Py_ssize_t slotOffset(PyTypeObject *type, const std::string &name) {
  namespace nb = nanobind;
  nb::object descr = nb::steal(
      PyObject_GetAttrString(reinterpret_cast<PyObject *>(type), name.c_str()));
  if (!descr.is_valid())
    throw nb::python_error();
  if (!Py_IS_TYPE(descr.ptr(), &PyMemberDescr_Type))
    throw nb::type_error(
        (std::string(type->tp_name) + "." + name + " is not a __slots__ member")
            .c_str());
  PyMemberDef *member =
      reinterpret_cast<PyMemberDescrObject *>(descr.ptr())->d_member;
  if (member->type != T_OBJECT_EX || (member->flags & READONLY))
    throw nb::type_error((std::string(type->tp_name) + "." + name +
                          " is not a writable object slot")
                             .c_str());
  return member->offset;
}

/// The slot at `offset` of `self` (NULL when unset).
inline PyObject **slotRef(PyObject *self, Py_ssize_t offset) {
  return reinterpret_cast<PyObject **>(reinterpret_cast<char *>(self) + offset);
}

} // namespace mlax

#endif // MLAX_PYTHON_SLOTACCESS_H
