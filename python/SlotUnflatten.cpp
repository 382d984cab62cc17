//===- SlotUnflatten.cpp - C constructors for pytree unflatten ------------===//
//
// A cached jitted call wraps each of its results into an mlax Array: the
// output pytree's unflatten function runs once per result of every call. A
// Python function there costs a frame and two attribute stores (about as
// much as the rest of the call's per-result work); this one stores the aux
// data and the children straight into the instance's __slots__.
//
//===----------------------------------------------------------------------===//
#include "SlotUnflatten.h"
#include "SlotAccess.h"

#include "nanobind/stl/string.h"
#include "nanobind/stl/vector.h"

#include <string>
#include <vector>

namespace nb = nanobind;

namespace {

struct SlotLayout {
  PyTypeObject *type;                   // a strong reference
  Py_ssize_t auxOffset;                 // where the aux data goes
  std::vector<Py_ssize_t> childOffsets; // where each child goes
};

constexpr const char *kCapsuleName = "mlax.SlotLayout";

void destroyLayout(PyObject *capsule) {
  auto *layout =
      static_cast<SlotLayout *>(PyCapsule_GetPointer(capsule, kCapsuleName));
  Py_XDECREF(layout->type);
  delete layout;
}

void store(PyObject *self, Py_ssize_t offset, PyObject *value) {
  PyObject **slot = mlax::slotRef(self, offset);
  PyObject *old = *slot;
  *slot = Py_NewRef(value);
  Py_XDECREF(old);
}

// unflatten(aux, children) -> instance of the layout's type.
PyObject *unflatten(PyObject *capsule, PyObject *const *args,
                    Py_ssize_t nargs) {
  auto *layout =
      static_cast<SlotLayout *>(PyCapsule_GetPointer(capsule, kCapsuleName));
  if (nargs != 2) {
    PyErr_Format(PyExc_TypeError,
                 "unflatten of %s takes (aux_data, children), got %zd "
                 "arguments",
                 layout->type->tp_name, nargs);
    return nullptr;
  }
  PyObject *children = PySequence_Fast(args[1], "children must be a sequence");
  if (!children)
    return nullptr;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(children);
  if (n != static_cast<Py_ssize_t>(layout->childOffsets.size())) {
    PyErr_Format(PyExc_ValueError,
                 "unflatten of %s expects %zd children, got %zd",
                 layout->type->tp_name,
                 static_cast<Py_ssize_t>(layout->childOffsets.size()), n);
    Py_DECREF(children);
    return nullptr;
  }
  PyObject *self = layout->type->tp_alloc(layout->type, 0);
  if (self) {
    store(self, layout->auxOffset, args[0]);
    PyObject **items = PySequence_Fast_ITEMS(children);
    for (Py_ssize_t i = 0; i < n; ++i)
      store(self, layout->childOffsets[i], items[i]);
  }
  Py_DECREF(children);
  return self;
}

PyMethodDef kUnflattenDef = {
    "slot_unflatten",
    reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(unflatten)),
    METH_FASTCALL, nullptr};

} // namespace

void mlaxPopulateSlotUnflatten(nb::module_ &m) {
  m.def(
      "slot_unflattener",
      [](nb::type_object cls, const std::string &auxSlot,
         const std::vector<std::string> &childSlots) {
        auto *type = reinterpret_cast<PyTypeObject *>(cls.ptr());
        // tp_alloc gives a zeroed object; a type with __init__-only state
        // (a __dict__, a custom __new__) would be built wrong.
        if (type->tp_dictoffset != 0)
          throw nb::type_error((std::string(type->tp_name) +
                                " has a __dict__; give it "
                                "__slots__ only")
                                   .c_str());
        Py_ssize_t auxOffset = mlax::slotOffset(type, auxSlot);
        std::vector<Py_ssize_t> childOffsets;
        for (const std::string &name : childSlots)
          childOffsets.push_back(mlax::slotOffset(type, name));
        auto *layout = new SlotLayout{type, auxOffset, std::move(childOffsets)};
        Py_INCREF(type);
        nb::object capsule =
            nb::steal(PyCapsule_New(layout, kCapsuleName, destroyLayout));
        if (!capsule.is_valid()) {
          Py_DECREF(type);
          delete layout;
          throw nb::python_error();
        }
        PyObject *fn = PyCFunction_New(&kUnflattenDef, capsule.ptr());
        if (!fn)
          throw nb::python_error();
        return nb::steal(fn);
      },
      nb::arg("cls"), nb::arg("aux_slot"), nb::arg("child_slots"),
      "A C function unflatten(aux, children) -> cls instance with aux in "
      "slot `aux_slot` and children[i] in slot `child_slots[i]` (the other "
      "slots unset), for pytree registries.");
}
