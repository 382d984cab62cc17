//===- DispatchFunction.cpp - the C front of mlax's jitted functions ------===//
//
// `DispatchFunction` is the callable a user's `mlax.jit` (a Python subclass)
// and the eager jnp functions are. A call goes, with no Python frame, to
// jaxlib's C++ dispatcher (`pjit`) with each non-weakly-typed mlax Array
// argument (also inside plain tuples, lists and dicts) replaced by its
// buffer: the dispatcher signs jaxlib arrays as leaves, where an Array would
// be a pytree node costing an attribute walk and an aux-data comparison per
// argument. (A weakly typed Array stays a node: its weak type is in its
// aval, not in its buffer.)
//
// The dispatcher's cache_miss sees the substituted arguments; it asks
// `_original_args()` for the ones the caller passed, so functions traced on
// a miss see mlax Arrays. `fallback(*args, **kwargs)` is mlax's Python path:
// it runs when there is no dispatcher, when an eager function gets anything
// but mlax Arrays (tracers, numpy, scalars), and when the dispatcher refuses
// a donated input (the Python path names it, as a RuntimeError).
//
//===----------------------------------------------------------------------===//
#include "DispatchFunction.h"
#include "SlotAccess.h"

#include <cstring>
#include <vector>

namespace nb = nanobind;

namespace {

struct DispatchFunctionObject {
  PyObject_HEAD vectorcallfunc vectorcall;
  PyObject *dict;
  PyObject *weakrefs;
  PyObject *pjit;      // jaxlib's dispatcher, or NULL
  PyObject *fallback;  // the Python path
  PyObject *arrayType; // the exact type substituted (mlax Array)
  Py_ssize_t bufferOffset;
  Py_ssize_t avalOffset;
  bool eager;        // anything but mlax Arrays, positionally: the fallback
  PyObject *statics; // static positions and names (a frozenset), or NULL
};

// The calls in progress on this thread, innermost first, for
// `_original_args` (a cache_miss runs inside its dispatcher's call).
struct CallFrame {
  PyObject *self;
  PyObject *const *args;
  size_t nargsf;
  PyObject *kwnames;
  CallFrame *prev;
};
thread_local CallFrame *topFrame = nullptr;

DispatchFunctionObject *asDispatch(PyObject *self) {
  return reinterpret_cast<DispatchFunctionObject *>(self);
}

// How deep substitute looks into plain containers.
constexpr int kMaxDepth = 16;

// `arg` with each non-weak Array in it (itself, or inside plain tuples,
// lists and dicts: parameter trees) replaced by its buffer, as a new
// reference; NULL when nothing is replaced, or on error (with an exception
// set). Containers are copied, never changed.
PyObject *substitute(DispatchFunctionObject *d, PyObject *arg, int depth) {
  PyTypeObject *type = Py_TYPE(arg);
  if (reinterpret_cast<PyObject *>(type) == d->arrayType) {
    PyObject *aval = *mlax::slotRef(arg, d->avalOffset);
    // aval is a ShapedArray (shape, dtype, weak_type) named tuple.
    if (!aval || !PyTuple_Check(aval) || PyTuple_GET_SIZE(aval) < 3 ||
        PyTuple_GET_ITEM(aval, 2) != Py_False)
      return nullptr;
    PyObject *buffer = *mlax::slotRef(arg, d->bufferOffset);
    return buffer ? Py_NewRef(buffer) : nullptr;
  }
  if (depth >= kMaxDepth)
    return nullptr;
  if (type == &PyTuple_Type || type == &PyList_Type) {
    // Items are re-read and held at each step: an allocation may run a
    // finalizer that changes a list.
    bool isTuple = type == &PyTuple_Type;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(arg);
    PyObject *copy = nullptr;
    for (Py_ssize_t i = 0; i < n; ++i) {
      if (PySequence_Fast_GET_SIZE(arg) != n) {
        Py_XDECREF(copy);
        PyErr_SetString(PyExc_RuntimeError,
                        "a list argument changed size during the call");
        return nullptr;
      }
      PyObject *item = Py_NewRef(PySequence_Fast_GET_ITEM(arg, i));
      PyObject *sub = substitute(d, item, depth + 1);
      if (!sub && PyErr_Occurred()) {
        Py_DECREF(item);
        Py_XDECREF(copy);
        return nullptr;
      }
      if (sub && !copy) {
        copy = isTuple ? PyTuple_New(n) : PyList_New(n);
        if (!copy || PySequence_Fast_GET_SIZE(arg) != n) {
          if (copy)
            PyErr_SetString(PyExc_RuntimeError,
                            "a list argument changed size during the call");
          Py_XDECREF(copy);
          Py_DECREF(sub);
          Py_DECREF(item);
          return nullptr;
        }
        for (Py_ssize_t j = 0; j < i; ++j)
          PySequence_Fast_ITEMS(copy)[j] =
              Py_NewRef(PySequence_Fast_GET_ITEM(arg, j));
      }
      if (copy)
        PySequence_Fast_ITEMS(copy)[i] = sub ? sub : Py_NewRef(item);
      Py_DECREF(item);
    }
    return copy;
  }
  if (type == &PyDict_Type) {
    PyObject *copy = nullptr, *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(arg, &pos, &key, &value)) {
      PyObject *sub = substitute(d, value, depth + 1);
      if (!sub) {
        if (PyErr_Occurred()) {
          Py_XDECREF(copy);
          return nullptr;
        }
        continue;
      }
      Py_INCREF(key); // held across the allocations below
      if (!copy)
        copy = PyDict_Copy(arg); // keeps the order; values replaced in place
      int failed = copy ? PyDict_SetItem(copy, key, sub) : -1;
      Py_DECREF(sub);
      Py_DECREF(key);
      if (failed) {
        Py_XDECREF(copy);
        return nullptr;
      }
    }
    return copy;
  }
  return nullptr;
}

bool isDonatedInputError() {
  if (!PyErr_ExceptionMatches(PyExc_ValueError))
    return false;
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  bool match = false;
  if (PyObject *text = value ? PyObject_Str(value) : nullptr) {
    const char *s = PyUnicode_AsUTF8(text);
    match = s && std::strstr(s, "deleted or donated");
    Py_DECREF(text);
  }
  PyErr_Clear();
  if (match) {
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
  } else {
    PyErr_Restore(type, value, tb);
  }
  return match;
}

// Whether argument i (positional below nargs, else a keyword) is static.
bool isStatic(DispatchFunctionObject *d, Py_ssize_t i, Py_ssize_t nargs,
              PyObject *kwnames) {
  PyObject *key = i < nargs ? PyLong_FromSsize_t(i)
                            : Py_NewRef(PyTuple_GET_ITEM(kwnames, i - nargs));
  if (!key)
    return true;
  int found = PySet_Contains(d->statics, key);
  Py_DECREF(key);
  return found != 0; // -1: an error, reported by the caller
}

// Calls `fn` holding a reference to it: `_set_dispatch` (clear_cache) may
// drop the object's own reference while the call runs.
PyObject *callHeld(PyObject *fn, PyObject *const *args, size_t nargsf,
                   PyObject *kwnames) {
  Py_INCREF(fn);
  PyObject *result = PyObject_Vectorcall(fn, args, nargsf, kwnames);
  Py_DECREF(fn);
  return result;
}

PyObject *dispatch(PyObject *self, PyObject *const *args, size_t nargsf,
                   PyObject *kwnames) {
  DispatchFunctionObject *d = asDispatch(self);
  if (!d->fallback) {
    PyErr_SetString(PyExc_RuntimeError,
                    "DispatchFunction called before _set_dispatch");
    return nullptr;
  }
  Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  Py_ssize_t total = nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0);
  if (!d->pjit)
    return callHeld(d->fallback, args, nargsf, kwnames);
  if (d->eager) {
    if (kwnames)
      return callHeld(d->fallback, args, nargsf, kwnames);
    for (Py_ssize_t i = 0; i < nargs; ++i)
      if (reinterpret_cast<PyObject *>(Py_TYPE(args[i])) != d->arrayType)
        return callHeld(d->fallback, args, nargsf, kwnames);
  }

  // One leading free slot lets the dispatcher prepend without copying.
  PyObject *stackArgs[17];
  std::vector<PyObject *> heapArgs;
  PyObject **call = stackArgs;
  if (total + 1 > 17) {
    heapArgs.resize(total + 1);
    call = heapArgs.data();
  }
  // call[i + 1] differs from args[i] where it is a new reference.
  auto release = [&](Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; ++i)
      if (call[i + 1] != args[i])
        Py_DECREF(call[i + 1]);
  };
  for (Py_ssize_t i = 0; i < total; ++i) {
    // Static arguments are hashed as they are (errors name their type).
    if (d->statics && isStatic(d, i, nargs, kwnames)) {
      if (PyErr_Occurred()) {
        release(i);
        return nullptr;
      }
      call[i + 1] = args[i];
      continue;
    }
    PyObject *sub = substitute(d, args[i], 0);
    if (!sub && PyErr_Occurred()) {
      release(i);
      return nullptr;
    }
    call[i + 1] = sub ? sub : args[i];
  }
  CallFrame frame{self, args, nargsf, kwnames, topFrame};
  topFrame = &frame;
  PyObject *result = callHeld(d->pjit, call + 1,
                              nargs | PY_VECTORCALL_ARGUMENTS_OFFSET, kwnames);
  topFrame = frame.prev;
  release(total);
  if (!result && isDonatedInputError())
    return callHeld(d->fallback, args, nargsf, kwnames);
  return result;
}

PyObject *newDispatch(PyTypeObject *type, PyObject *, PyObject *) {
  PyObject *self = type->tp_alloc(type, 0);
  if (self)
    asDispatch(self)->vectorcall = dispatch;
  return self;
}

int traverse(PyObject *self, visitproc visit, void *arg) {
  DispatchFunctionObject *d = asDispatch(self);
  Py_VISIT(Py_TYPE(self));
  Py_VISIT(d->dict);
  Py_VISIT(d->pjit);
  Py_VISIT(d->fallback);
  Py_VISIT(d->arrayType);
  Py_VISIT(d->statics);
  return 0;
}

int clear(PyObject *self) {
  DispatchFunctionObject *d = asDispatch(self);
  Py_CLEAR(d->dict);
  Py_CLEAR(d->pjit);
  Py_CLEAR(d->fallback);
  Py_CLEAR(d->arrayType);
  Py_CLEAR(d->statics);
  return 0;
}

void dealloc(PyObject *self) {
  PyTypeObject *type = Py_TYPE(self);
  PyObject_GC_UnTrack(self);
  if (asDispatch(self)->weakrefs)
    PyObject_ClearWeakRefs(self);
  clear(self);
  type->tp_free(self);
  Py_DECREF(type);
}

// Functions bind as methods, as Python functions (and jax's) do.
PyObject *descrGet(PyObject *self, PyObject *obj, PyObject *) {
  if (!obj || obj == Py_None)
    return Py_NewRef(self);
  return PyMethod_New(self, obj);
}

PyObject *setDispatch(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
  if (nargs != 5) {
    PyErr_SetString(
        PyExc_TypeError,
        "_set_dispatch(pjit, fallback, array_type, eager, statics)");
    return nullptr;
  }
  if (args[4] != Py_None && !PyFrozenSet_Check(args[4])) {
    PyErr_SetString(PyExc_TypeError,
                    "_set_dispatch: statics must be a frozenset or None");
    return nullptr;
  }
  if (!PyCallable_Check(args[1]) || !PyType_Check(args[2]) ||
      (args[0] != Py_None && !PyCallable_Check(args[0]))) {
    PyErr_SetString(PyExc_TypeError,
                    "_set_dispatch: pjit must be callable or None, fallback "
                    "callable and array_type a type");
    return nullptr;
  }
  auto *type = reinterpret_cast<PyTypeObject *>(args[2]);
  Py_ssize_t bufferOffset, avalOffset;
  try {
    bufferOffset = mlax::slotOffset(type, "_buffer");
    avalOffset = mlax::slotOffset(type, "aval");
  } catch (nb::python_error &e) {
    e.restore();
    return nullptr;
  } catch (nb::builtin_exception &e) {
    PyErr_SetString(PyExc_TypeError, e.what());
    return nullptr;
  }
  int eager = PyObject_IsTrue(args[3]);
  if (eager < 0)
    return nullptr;
  DispatchFunctionObject *d = asDispatch(self);
  Py_XSETREF(d->pjit, args[0] == Py_None ? nullptr : Py_NewRef(args[0]));
  Py_XSETREF(d->fallback, Py_NewRef(args[1]));
  Py_XSETREF(d->arrayType, Py_NewRef(args[2]));
  d->bufferOffset = bufferOffset;
  d->avalOffset = avalOffset;
  d->eager = eager;
  Py_XSETREF(d->statics, args[4] == Py_None || PySet_GET_SIZE(args[4]) == 0
                             ? nullptr
                             : Py_NewRef(args[4]));
  Py_RETURN_NONE;
}

// (args, kwargs) of this object's innermost call in progress on this
// thread, or None when the innermost call is another object's.
PyObject *originalArgs(PyObject *self, PyObject *) {
  CallFrame *f = topFrame;
  if (!f || f->self != self)
    Py_RETURN_NONE;
  Py_ssize_t nargs = PyVectorcall_NARGS(f->nargsf);
  nb::object args = nb::steal(PyTuple_New(nargs));
  nb::object kwargs = nb::steal(PyDict_New());
  if (!args.is_valid() || !kwargs.is_valid())
    return nullptr;
  for (Py_ssize_t i = 0; i < nargs; ++i)
    PyTuple_SET_ITEM(args.ptr(), i, Py_NewRef(f->args[i]));
  if (f->kwnames) {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(f->kwnames); ++i)
      if (PyDict_SetItem(kwargs.ptr(), PyTuple_GET_ITEM(f->kwnames, i),
                         f->args[nargs + i]) < 0)
        return nullptr;
  }
  return PyTuple_Pack(2, args.ptr(), kwargs.ptr());
}

// Functions are atomic for copy and deepcopy (as Python's are).
PyObject *copySelf(PyObject *self, PyObject *) { return Py_NewRef(self); }

PyMethodDef kMethods[] = {
    {"__copy__", copySelf, METH_NOARGS, nullptr},
    {"__deepcopy__", copySelf, METH_O, nullptr},
    {"_set_dispatch",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(setDispatch)),
     METH_FASTCALL,
     "_set_dispatch(pjit, fallback, array_type, eager, statics): the C++ "
     "dispatcher (None: always the fallback), the Python path, the Array "
     "type whose buffers are passed, whether non-Array arguments go to the "
     "fallback, and the static positions and names (a frozenset or None), "
     "passed unchanged."},
    {"_original_args", originalArgs, METH_NOARGS,
     "(args, kwargs) as the caller passed them, inside this function's "
     "dispatcher (its cache_miss); None elsewhere."},
    {nullptr, nullptr, 0, nullptr}};

PyMemberDef kMembers[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(DispatchFunctionObject, dict),
     READONLY, nullptr},
    {"__weaklistoffset__", T_PYSSIZET,
     offsetof(DispatchFunctionObject, weakrefs), READONLY, nullptr},
    {"__vectorcalloffset__", T_PYSSIZET,
     offsetof(DispatchFunctionObject, vectorcall), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr}};

PyGetSetDef kGetSet[] = {{"__dict__", PyObject_GenericGetDict,
                          PyObject_GenericSetDict, nullptr, nullptr},
                         {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyType_Slot kSlots[] = {
    {Py_tp_new, reinterpret_cast<void *>(newDispatch)},
    {Py_tp_dealloc, reinterpret_cast<void *>(dealloc)},
    {Py_tp_traverse, reinterpret_cast<void *>(traverse)},
    {Py_tp_clear, reinterpret_cast<void *>(clear)},
    {Py_tp_call, reinterpret_cast<void *>(PyVectorcall_Call)},
    {Py_tp_descr_get, reinterpret_cast<void *>(descrGet)},
    {Py_tp_methods, kMethods},
    {Py_tp_members, kMembers},
    {Py_tp_getset, kGetSet},
    {Py_tp_doc,
     const_cast<char *>("A callable dispatching to jaxlib's C++ dispatcher "
                        "with mlax Arrays passed as their buffers.")},
    {0, nullptr}};

PyType_Spec kSpec = {"mlax.DispatchFunction", sizeof(DispatchFunctionObject), 0,
                     Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE |
                         Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
                     kSlots};

} // namespace

void mlaxPopulateDispatchFunction(nb::module_ &m) {
  PyObject *type = PyType_FromSpec(&kSpec);
  if (!type)
    throw nb::python_error();
  m.attr("DispatchFunction") = nb::steal(type);
  // Python 3.11 does not pass Py_TPFLAGS_HAVE_VECTORCALL on to Python
  // subclasses (3.12 does when they keep tp_call): without it a call builds
  // an argument tuple and goes through tp_call.
  m.def(
      "inherit_vectorcall",
      [type](nb::type_object cls) {
        auto *sub = reinterpret_cast<PyTypeObject *>(cls.ptr());
        if (!PyType_IsSubtype(sub, reinterpret_cast<PyTypeObject *>(type)) ||
            sub->tp_call != PyVectorcall_Call ||
            sub->tp_vectorcall_offset !=
                offsetof(DispatchFunctionObject, vectorcall))
          throw nb::type_error(
              "inherit_vectorcall: not a DispatchFunction subclass keeping "
              "its __call__");
        sub->tp_flags |= Py_TPFLAGS_HAVE_VECTORCALL;
        PyType_Modified(sub);
      },
      nb::arg("cls"),
      "Lets a Python subclass of DispatchFunction be called by vectorcall.");
}
