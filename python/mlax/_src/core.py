"""Arrays, tracers, traces and primitive binding.

A primitive bound to tracers emits one mlax op into the innermost trace's
function; bound to concrete values (outside any trace) it runs eagerly: the
one-op function is traced, compiled once per signature and executed.
"""

from __future__ import annotations

import collections
import functools
import itertools
import math
import operator
import os
import sys
import threading
import time
from typing import Any, Callable, Hashable, NamedTuple, Sequence, Union

import numpy as np

from mlax._src import dtypes, mlir, runtime, tree_util
from mlax._src.config import config
from mlax.mlir import ir
from mlax.mlir.dialects import func as func_d
from mlax.mlir.dialects import mlax as mlax_d


class ShapedArray(NamedTuple):
    """Abstract value: shape, dtype and JAX's weak-type bit."""

    shape: tuple[int, ...]
    dtype: np.dtype
    weak_type: bool = False

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def str_short(self) -> str:
        return f"{self.dtype.name}[{','.join(map(str, self.shape))}]"

    def __str__(self) -> str:  # JAX's: `~` marks a weak type
        return ("~" if self.weak_type else "") + self.str_short()

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.str_short()}{weak})"


class TransformationError(ValueError):
    """A transformation (jvp, vjp, vmap, ...) failed; the message holds the
    diagnostics of the C++ pass, with the op that caused them."""


class ConcretizationTypeError(TypeError):
    """A traced value was used where Python needs a concrete value."""


class TracerBoolConversionError(ConcretizationTypeError):
    """bool() of a traced value (Python control flow on it)."""


class TracerIntegerConversionError(ConcretizationTypeError):
    """int() or an index taken from a traced value."""


class TracerArrayConversionError(ConcretizationTypeError):
    """A traced value converted to a NumPy array."""


class UnexpectedTracerError(TypeError):
    """A traced value escaped the function being traced (stored in a global or
    returned through a side channel) and was used after its trace ended."""


_MAX_ELEMENTS = 2**63 - 1


def canonicalize_shape(shape: Any, what: str = "shape") -> tuple[int, ...]:
    """A shape as a tuple of Python ints (JAX's rules): an int or a sequence of
    concrete integers, none negative, with an element count that fits int64."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        dims = None
    if (
        dims is None
        or isinstance(shape, (str, bytes))
        or not all(
            isinstance(d, (int, np.integer))
            and not isinstance(d, bool)
            or (
                isinstance(d, (Array, np.ndarray))
                and np.ndim(d) == 0
                and np.issubdtype(np.asarray(d).dtype, np.integer)
            )
            for d in dims
        )
    ):
        raise TypeError(
            f"Shapes must be 1D sequences of concrete values of integer type, "
            f"got {shape!r} (for {what})."
        )
    dims = tuple(int(d) for d in dims)
    if any(d < 0 for d in dims):
        raise TypeError(f"{what} must have every element be nonnegative, got {dims}.")
    count = 1
    for d in dims:
        count *= d
    if count > _MAX_ELEMENTS:
        raise ValueError(
            f"{what} {dims} has {count} elements, more than an array may have (2**63 - 1)."
        )
    return dims


def _leaked_tracer_error(t: "Tracer") -> UnexpectedTracerError:
    return UnexpectedTracerError(
        f"Encountered an unexpected tracer: a value of shape {t.aval.str_short()} traced in a "
        f"function that has finished (or in another trace) was used here. A function "
        f"transformed by jit, grad, vmap, ... must not leak its traced values through "
        f"globals or side effects; return them instead."
    )


class _ArrayOps:
    """What Array and Tracer share that needs only the aval. Operators and
    the methods that are numpy functions are installed by mlax.numpy
    (`array_methods.register_array_methods`), as JAX does: core depends on
    neither numpy nor indexing."""

    __slots__ = ()
    __array_priority__ = 100

    aval: ShapedArray

    @property
    def shape(self) -> tuple[int, ...]:
        return self.aval.shape

    @property
    def dtype(self) -> np.dtype:
        return self.aval.dtype

    @property
    def ndim(self) -> int:
        return len(self.aval.shape)

    @property
    def size(self) -> int:
        return math.prod(self.aval.shape)

    @property
    def weak_type(self) -> bool:
        return self.aval.weak_type

    @property
    def itemsize(self) -> int:
        return self.aval.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.aval.dtype.itemsize * self.size

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    __hash__ = None  # arrays are unhashable, as in JAX


class Array(_ArrayOps):
    """A device-resident array (the result of every mlax computation)."""

    __slots__ = ("_buffer", "aval")

    def __init__(
        self,
        buffer: runtime.Buffer | None = None,
        weak_type: bool = False,
        *,
        _buffer: runtime.Buffer | None = None,
        aval: ShapedArray | None = None,
    ):
        if _buffer is not None:  # the C++ dispatcher's dataclass node
            self._buffer = _buffer
            self.aval = aval
            return
        self._buffer = buffer
        self.aval = ShapedArray(tuple(buffer.shape), np.dtype(buffer.dtype), weak_type)

    @classmethod
    def _from_buffer(cls, buffer: runtime.Buffer, aval: ShapedArray) -> "Array":
        """Wraps a buffer whose aval is already known (the dispatch fast path)."""
        self = object.__new__(cls)
        self._buffer = buffer
        self.aval = aval
        return self

    def __array__(self, dtype=None, copy=None):
        # NumPy 2's protocol: copy=True (np.array, np.copy) gives a writable
        # copy, None (np.asarray) the read-only host view when it can.
        x = runtime.to_host(self._buffer)
        if dtype is not None and np.dtype(dtype) != x.dtype:
            if copy is False:
                raise ValueError("converting the dtype of an mlax Array needs a copy")
            return x.astype(dtype)
        return x.copy() if copy else x

    def __array_namespace__(self, *, api_version: str | None = None):
        import mlax.numpy

        return mlax.numpy

    def __dlpack__(self, *args, **kwargs):
        return self._buffer.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._buffer.__dlpack_device__()

    def devices(self) -> set:
        return set(self._buffer.sharding.device_set)

    @property
    def sharding(self):
        from mlax._src import sharding_impl

        return sharding_impl.from_jax(self._buffer.sharding)

    @property
    def addressable_shards(self) -> list:
        """One Shard (device, index, data) per device holding a block."""
        from mlax._src import sharding_impl

        return [
            sharding_impl.Shard(s.device, s.index, Array(s.data, self.aval.weak_type))
            for s in self._buffer.addressable_shards
        ]

    global_shards = addressable_shards

    @property
    def is_fully_replicated(self) -> bool:
        return bool(self._buffer.is_fully_replicated)

    @property
    def is_fully_addressable(self) -> bool:
        return True

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    def copy_to_host_async(self) -> None:
        """Starts the device-to-host copy that np.asarray will wait for."""
        self._buffer.copy_to_host_async()

    def delete(self) -> None:
        """Frees the device buffer now; later use raises RuntimeError."""
        self._buffer.delete()

    def is_deleted(self) -> bool:
        return self._buffer.is_deleted()

    def unsafe_buffer_pointer(self) -> int:
        return self._buffer.unsafe_buffer_pointer()

    def block_until_ready(self) -> "Array":
        runtime.block_until_ready(self._buffer)
        return self

    def item(self):
        return np.asarray(self).item()

    def tolist(self):
        return np.asarray(self).tolist()

    def __float__(self):
        return float(np.asarray(self))

    def __int__(self):
        return int(np.asarray(self))

    def __complex__(self):
        return complex(np.asarray(self))

    def __index__(self):
        return operator.index(np.asarray(self).item())

    def __bool__(self):
        if self.size != 1:
            raise ValueError(
                "The truth value of an array with more than one "
                "element is ambiguous. Use a.any() or a.all()"
            )
        return bool(np.asarray(self))

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self) -> str:
        prefix = "Array("
        dtype_str = f"dtype={self.dtype.name}"
        if self.weak_type:
            dtype_str += ", weak_type=True"
        line_width = np.get_printoptions()["linewidth"]
        if self.size == 0:
            s = f"[], shape={self.shape}"
        else:
            s = np.array2string(
                np.asarray(self),
                prefix=prefix,
                suffix=",",
                separator=", ",
                max_line_width=line_width,
            )
        last_line_len = len(s) - s.rfind("\n") + 1
        sep = " "
        if last_line_len + len(dtype_str) + 2 > line_width:
            sep = " " * len(prefix)
        return f"{prefix}{s},{sep}{dtype_str})"

    def __str__(self) -> str:
        return str(np.asarray(self))

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:
            return format(np.asarray(self).item(), spec)
        return format(np.asarray(self), spec)

    @property
    def device(self):
        return self._buffer.device


class ShardedArray(Array):
    """An Array spread over several devices (its own type, so that the
    dispatch fast paths keyed on avals, which serve single-device programs,
    never take it)."""

    __slots__ = ()


def wrap_buffer(buffer: runtime.Buffer, weak_type: bool = False) -> Array:
    """The Array of a jaxlib buffer on one device or several."""
    if runtime.num_devices(buffer) > 1:
        return ShardedArray(buffer, weak_type)
    return Array(buffer, weak_type)


# The C++ dispatcher's pytrees: mlax's registrations, and Arrays as nodes
# over their buffers (see runtime.fast_jit).
tree_util.add_registration_hook(runtime.register_dispatch_node)


# unflatten(aval, (buffer,)): a C function filling the two slots.
_dispatch_unflatten = mlax_d.slot_unflattener(Array, "aval", ["_buffer"])
runtime.register_dispatch_array(Array, lambda a: ((a._buffer,), a.aval), _dispatch_unflatten)
_sharded_unflatten = mlax_d.slot_unflattener(ShardedArray, "aval", ["_buffer"])
runtime.register_dispatch_array(ShardedArray, lambda a: ((a._buffer,), a.aval), _sharded_unflatten)


# ShapedArrays of MLIR types (uniqued by the context, so hashed by identity):
# decoding a type's shape and element type costs a microsecond per traced op.
_RESULT_AVALS: dict[tuple[ir.Type, bool], ShapedArray] = {}


def result_aval(type_: ir.Type, weak: bool = False) -> ShapedArray:
    """The aval of an op result of MLIR type `type_`."""
    key = (type_, weak)
    aval = _RESULT_AVALS.get(key)
    if aval is None:
        if len(_RESULT_AVALS) > 65536:  # programs over many shapes: start over
            _RESULT_AVALS.clear()
        aval = _RESULT_AVALS[key] = ShapedArray(*mlir.aval_of_type(type_), weak)
    return aval


class Tracer(_ArrayOps):
    """A value inside a function being traced: an MLIR SSA value plus aval."""

    __slots__ = ("_trace", "value", "aval", "concrete")

    def __init__(
        self, trace: "Trace", value: ir.Value, aval: ShapedArray, concrete: np.ndarray | None = None
    ):
        self._trace = trace
        self.value = value
        self.aval = aval
        # The value, when tracing with values attached (see Trace.concrete).
        self.concrete = concrete

    def _concretization_error(self, what: str, cls: type = ConcretizationTypeError):
        frame = user_frame()
        where = f" (at {frame[0]}:{frame[1]})" if frame else ""
        return cls(
            f"Abstract tracer value encountered where a concrete value is "
            f"expected ({what}) for a value of shape {self.aval.str_short()}{where}. "
            f"Inside mlax.jit, Python control flow cannot depend on traced "
            f"values: use mlax.numpy.where / lax.select, or mark the argument "
            f"static with static_argnums."
        )

    def _value(self, what: str, cls: type = ConcretizationTypeError) -> np.ndarray:
        if self.concrete is None:
            raise self._concretization_error(what, cls)
        return self.concrete

    def __bool__(self):
        v = self._value("bool()", TracerBoolConversionError)
        if v.size != 1:
            raise ValueError(
                "The truth value of an array with more than one element is "
                "ambiguous. Use a.any() or a.all()"
            )
        return bool(v)

    def __float__(self):
        return float(self._value("float()"))

    def __int__(self):
        return int(self._value("int()"))

    def __complex__(self):
        return complex(self._value("complex()"))

    def __index__(self):
        return operator.index(self._value("index", TracerIntegerConversionError).item())

    def __array__(self, dtype=None, copy=None):
        v = self._value("numpy conversion", TracerArrayConversionError)
        return v if dtype is None else v.astype(dtype)

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def item(self):
        return self._value("item()").item()

    def tolist(self):
        return self._value("tolist()").tolist()

    def __repr__(self) -> str:
        return f"Traced<{self.aval.str_short()}>"


# What functions taking arrays accept: mlax Arrays, traced values, NumPy arrays
# and scalars, Python scalars (JAX's ArrayLike).
ArrayLike = Union[Array, Tracer, np.ndarray, np.generic, bool, int, float, complex]
# A dtype: a numpy dtype, a scalar type (np.float32, float) or its name.
DTypeLike = Union[str, type, np.dtype]
# A shape: a size or a sequence of sizes.
Shape = Union[int, Sequence[int]]

_MLAX_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LOCATIONS: dict[tuple, ir.Location] = {}


def user_frame() -> tuple[str, int] | None:
    """File and line of the innermost Python frame outside mlax."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_MLAX_DIR):
        f = f.f_back
    return None if f is None else (f.f_code.co_filename, f.f_lineno)


def user_location() -> ir.Location:
    """The user's file and line as an MLIR location, inside a NameLoc of
    the named_scope names (`outer/inner`) when there are any."""
    frame = user_frame()
    names = _state.name_stack
    key = (frame, names)
    loc = _LOCATIONS.get(key)
    if loc is None:
        ctx = mlir.context()
        if frame is None:
            loc = ir.Location.unknown(ctx)
        else:
            loc = ir.Location.file(frame[0], frame[1], 0, context=ctx)
        if names:
            loc = ir.Location.name("/".join(names), childLoc=loc, context=ctx)
        _LOCATIONS[key] = loc
    return loc


class Trace:
    """Builds one func.func: tracers of this trace are its SSA values.

    A trace nested in another (the function given to a transformation traced
    inside jit, say) captures the outer tracers it meets as extra block
    arguments; the caller passes them explicitly (`captures`).
    """

    def __init__(self, block: ir.Block, module: ir.Module, parent: "Trace | None" = None):
        self.block = block
        self.module = module
        self.parent = parent
        self.ip = ir.InsertionPoint(block)
        # How many transformations will differentiate this function's body:
        # a custom rule is traced once per level (JAX re-runs it per level).
        self.ad_depth = parent.ad_depth if parent is not None else 0
        # With values attached: every op is also evaluated, so that Python
        # control flow on values works outside jit (set on a retry).
        self.concrete = False
        # Root traces of eager transformations pass the Arrays they close
        # over as arguments (JAX runs those ops eagerly, on device kernels:
        # XLA must not constant-fold them with host math; and the
        # executable is reused when only their values change).
        self.hoist_consts = False
        self.batched = False  # a function vmap will batch
        self.host_callbacks: list[Callable] = []  # root only: python callbacks
        self.mesh = None  # root only: the device mesh of a multi-device program
        self.captures: list[Tracer] = []  # outer tracers, in order
        self._captured: dict[int, ir.Value] = {}  # id(outer tracer) -> arg
        self._hoisted: dict[int, Tracer] = {}  # id(Array) -> its argument
        self._names = parent._names if parent is not None else {}

    @property
    def loc(self) -> ir.Location:
        """Where the user's code is (ops carry it, so that diagnostics of the
        C++ transformations point at the user's line)."""
        return user_location()

    def fresh_name(self, base: str) -> str:
        base = "".join(c if c.isalnum() or c == "_" else "_" for c in base) or "fn"
        n = self._names.get(base, 0)
        self._names[base] = n + 1
        return base if n == 0 and base != "main" else f"{base}_{n}"

    def _is_ancestor(self, other: "Trace") -> bool:
        t = self.parent
        while t is not None:
            if t is other:
                return True
            t = t.parent
        return False

    def to_value(self, x: Any, dtype: np.dtype | None = None) -> tuple[ir.Value, ShapedArray]:
        """The SSA value of `x` in this trace (constants for concrete data)."""
        if isinstance(x, Tracer):
            if x._trace is self:
                return x.value, x.aval
            if self._is_ancestor(x._trace):
                value = self._captured.get(id(x))
                if value is None:
                    value = self.block.add_argument(
                        mlir.tensor_type(x.aval.shape, x.aval.dtype), self.loc
                    )
                    self._captured[id(x)] = value
                    self.captures.append(x)
                return value, x.aval
            raise _leaked_tracer_error(x)
        if isinstance(x, Array):
            root = self
            while root.parent is not None:
                root = root.parent
            if root.hoist_consts:
                return self.to_value(root._hoist(x))
        array, aval = concrete_to_numpy(x, dtype)
        with self.ip, self.loc:
            attr = dense_attr(array)
            value = mlax_d.ConstantOp(attr).result
        return value, aval

    def _hoist(self, x: "Array") -> Tracer:
        t = self._hoisted.get(id(x))
        if t is None:
            arg = self.block.add_argument(mlir.tensor_type(x.aval.shape, x.aval.dtype), self.loc)
            t = Tracer(self, arg, x.aval, np.asarray(x) if self.concrete else None)
            self._hoisted[id(x)] = t
            self.captures.append(x)
        return t


def dense_attr(array: np.ndarray) -> ir.DenseElementsAttr:
    """A dense elements attribute holding `array` (any supported dtype)."""
    ctx = mlir.context()
    t = mlir.tensor_type(array.shape, array.dtype)
    if array.dtype == np.bool_:
        return ir.DenseElementsAttr.get(np.require(array, requirements="C"), context=ctx)
    if dtypes.is_complex(array.dtype):
        # The bindings take complex data as (real, imag) pairs of floats.
        real = np.require(array.reshape(-1), requirements="C").view(
            np.float32 if array.dtype == np.complex64 else np.float64
        )
        return ir.DenseElementsAttr.get(
            real, type=mlir.element_type(array.dtype), shape=list(array.shape), context=ctx
        )
    if array.size == 1 or (array.size and (array == array.reshape(-1)[0]).all()):
        scalar = array.reshape(-1)[:1]
        return ir.DenseElementsAttr.get_splat(t, _scalar_attr(scalar, array.dtype))
    raw = np.require(array, requirements="C")
    if array.dtype == dtypes.bfloat16:
        raw = raw.view(np.uint16)
    return ir.DenseElementsAttr.get(
        raw, type=mlir.element_type(array.dtype), shape=list(array.shape), context=ctx
    )


def _scalar_attr(scalar: np.ndarray, dtype: np.dtype) -> ir.Attribute:
    et = mlir.element_type(dtype)
    if dtypes.is_float(dtype):
        return ir.FloatAttr.get(et, float(scalar[0]))
    return ir.IntegerAttr.get(et, int(scalar[0]))


def concrete_to_numpy(x: Any, dtype: np.dtype | None = None) -> tuple[np.ndarray, ShapedArray]:
    """Host value and aval of a concrete input (Array, numpy, Python scalar)."""
    if isinstance(x, Array):
        arr = np.asarray(x)
        weak = x.weak_type
    elif isinstance(x, Tracer):
        # Outside its trace (concrete values are asked of live tracers
        # through __array__, not here).
        raise _leaked_tracer_error(x)
    elif dtypes.is_python_scalar(x):
        dt = dtype or dtypes.python_scalar_dtype(x)
        arr = np.asarray(x, dtype=dtypes.canonicalize_dtype(dt))
        weak = dtype is None
    else:
        if isinstance(x, (list, tuple)):
            raise TypeError(
                f"mlax got a {type(x).__name__} where an array was expected; "
                f"wrap it with mlax.numpy.asarray"
            )
        try:
            arr = np.asarray(x)
        except Exception:
            raise TypeError(f"{type(x).__name__} is not a valid mlax array type") from None
        if arr.dtype.kind in "OUSMm" or (arr.dtype.kind == "V" and arr.dtype != dtypes.bfloat16):
            raise TypeError(
                f"{type(x).__name__} of dtype {arr.dtype} is not a valid mlax array type"
            )
        weak = False
    target = dtypes.canonicalize_dtype(dtype or arr.dtype)
    if arr.dtype != target:
        arr = arr.astype(target)
    return arr, ShapedArray(arr.shape, arr.dtype, weak)


def aval_of(x: Any) -> ShapedArray:
    """The abstract value of an Array, a tracer or a concrete value (numpy
    arrays and Python scalars, which are weakly typed)."""
    if isinstance(x, (Array, Tracer)):
        return x.aval
    return concrete_to_numpy(x)[1]


def is_array_like(x: Any) -> bool:
    """Whether x is an array value mlax takes as data: mlax Arrays and
    tracers, numpy arrays and scalars, Python numbers, jax Arrays."""
    return isinstance(
        x, (Array, Tracer, np.ndarray, np.generic, int, float, complex, bool)
    ) or runtime.is_buffer(x)


def from_dlpack(x: Any, *, device: Any = None, copy: bool | None = None) -> Array:
    """An Array from any DLPack producer (`__dlpack__`): numpy, torch,
    jax; zero-copy on CPU when the layout allows."""
    if isinstance(x, Array):
        return x
    buf = runtime.from_dlpack(x, device=device)
    if dtypes.canonicalize_dtype(buf.dtype) != buf.dtype:
        return to_array(np.asarray(buf))
    return Array(buf, False)


def to_array(x: Any) -> Array:
    """A concrete value as a device Array (Python scalars are weakly typed);
    a jax Array of a dtype mlax keeps is wrapped without a copy."""
    if isinstance(x, Array):
        return x
    if runtime.is_buffer(x) and dtypes.canonicalize_dtype(x.dtype) == x.dtype:
        return wrap_buffer(x, bool(getattr(x, "weak_type", False)))
    arr, aval = concrete_to_numpy(x)
    return Array(runtime.to_device(arr), aval.weak_type)


class _ThreadState(threading.local):
    """Per-thread tracing state: each Python thread traces on its own (as in
    JAX), so an eager op in one thread never lands in another's trace."""

    def __init__(self):
        # The innermost trace is where primitives emit ops.
        self.trace_stack: list[Trace] = []
        self.compile_time_eval = False  # inside ensure_compile_time_eval
        self.name_stack: tuple[str, ...] = ()  # named_scope names


_state = _ThreadState()


def current_trace() -> Trace | None:
    stack = _state.trace_stack
    return stack[-1] if stack else None


def push_trace(trace: Trace) -> None:
    _state.trace_stack.append(trace)
    if len(_state.trace_stack) == 1:
        sync_dispatch_thread()


def pop_trace() -> None:
    _state.trace_stack.pop()
    if not _state.trace_stack:
        sync_dispatch_thread()


def set_trace_stack(stack: list) -> list:
    """Replaces this thread's trace stack (eager evaluation inside a trace
    runs with none); returns the old one for restoring."""
    old = _state.trace_stack
    _state.trace_stack = stack
    if bool(old) != bool(stack):
        sync_dispatch_thread()
    return old


_thread_tokens: dict[Hashable, int] = {}
_unhashable_tokens = itertools.count(1)


def sync_dispatch_thread() -> None:
    """Sets this thread's part of the C++ dispatchers' key
    (runtime.dispatch_thread): unset when it has no config overrides and is
    not tracing (the global state alone decides), else a token for its
    overrides and whether it traces."""
    overrides = config.local_overrides()
    tracing = bool(_state.trace_stack)
    if not overrides and not tracing:
        runtime.dispatch_thread.set_local(runtime.config_unset)
        return
    try:
        key = (frozenset(overrides.items()), tracing)
        token = _thread_tokens.get(key)
        if token is None:
            token = _thread_tokens.setdefault(key, len(_thread_tokens) + 1)
    except TypeError:  # an unhashable flag value: a token never reused
        token = -next(_unhashable_tokens)
    runtime.dispatch_thread.set_local(token)


def sync_dispatch_global() -> None:
    runtime.dispatch_global.set_global(config.global_version())


config.on_change(sync_dispatch_thread, sync_dispatch_global)


class Primitive:
    """An mlax op as seen from Python.

    emit(values, avals, **params) builds the op(s) in the current insertion
    point and returns the result values. `weak` says how weak types flow:
    "all" (weak iff all inputs are), "first" (the first input's), "param"
    (the `weak_type` parameter), or "none".
    """

    def __init__(
        self, name: str, emit: Callable, *, multiple_results: bool = False, weak: str = "all"
    ):
        self.name = name
        self.emit = emit
        self.multiple_results = multiple_results
        self.weak = weak

    def __repr__(self) -> str:
        return self.name

    def bind(self, *args: Any, **params: Any):
        trace = current_trace()
        if trace is None:
            return _eager(self, args, params)
        if _state.compile_time_eval and not any(isinstance(a, Tracer) for a in args):
            # ensure_compile_time_eval: ops on known values run now.
            saved = set_trace_stack([])
            try:
                return _eager(self, args, params)
            finally:
                set_trace_stack(saved)
        values, avals = [], []
        for a in args:
            if type(a) is Tracer and a._trace is trace:  # the common case
                values.append(a.value)
                avals.append(a.aval)
            else:
                v, aval = trace.to_value(a)
                values.append(v)
                avals.append(aval)
        with trace.ip, trace.loc:
            results = self.emit(values, avals, **params)
        if not isinstance(results, (list, tuple)):
            results = [results]
        weak = self._result_weak(avals, params)
        if trace.concrete:
            concrete = self._evaluate(trace, args, params, len(results))
            tracers = [
                Tracer(trace, v, result_aval(v.type, weak), c) for v, c in zip(results, concrete)
            ]
        else:
            tracers = [Tracer(trace, v, result_aval(v.type, weak)) for v in results]
        return tracers if self.multiple_results else tracers[0]

    def _evaluate(self, trace: "Trace", args, params, n: int) -> list:
        """Concrete results when tracing with values attached."""
        if not trace.concrete:
            return [None] * n
        inputs = []
        for a in args:
            if isinstance(a, Tracer):
                if a.concrete is None:
                    return [None] * n
                inputs.append(Array(runtime.to_device(a.concrete), a.aval.weak_type))
            else:
                inputs.append(a)
        saved = set_trace_stack([])
        try:
            out = _eager(self, inputs, params)
        finally:
            set_trace_stack(saved)
        outs = out if self.multiple_results else [out]
        return [np.asarray(o) for o in outs]

    def _result_weak(self, avals: Sequence[ShapedArray], params: dict) -> bool:
        if self.weak == "param":
            return bool(params["weak_type"])
        if self.weak == "all":
            return bool(avals) and all(a.weak_type for a in avals)
        if self.weak == "first":
            return bool(avals) and avals[0].weak_type
        return False


class Traced(NamedTuple):
    module: ir.Module
    in_avals: tuple[ShapedArray, ...]
    out_tree: tree_util.PyTreeDef
    out_avals: tuple[ShapedArray, ...]
    consts: tuple = ()  # hoisted Arrays: trailing arguments of @main
    host_callbacks: tuple = ()  # Python functions of mlax.python_callback ops
    mesh: Any = None  # the mesh of a program over several devices
    in_fixed: tuple = ()  # per argument: its sharding is given (not propagated)
    out_fixed: tuple = ()  # per result: its sharding is given


def note_mesh(mesh: Any) -> None:
    """Records that the program being traced runs over `mesh`'s devices.
    All meshes of one program share their devices in one order (the
    partitions of the compiled program)."""
    t = current_trace()
    if t is None:
        return
    while t.parent is not None:
        t = t.parent
    if t.mesh is None:
        t.mesh = mesh
    elif t.mesh._key[0] != mesh._key[0]:
        raise ValueError(
            f"a program uses meshes over different devices (or the same devices in "
            f"another order): {t.mesh} with device ids {list(t.mesh._key[0])} and {mesh} "
            f"with device ids {list(mesh._key[0])}; mlax compiles one program for one "
            "device order"
        )


class TracedFunction(NamedTuple):
    func: Any  # the func.func op
    name: str
    in_avals: tuple[ShapedArray, ...]
    out_tree: tree_util.PyTreeDef
    out_avals: tuple[ShapedArray, ...]
    captures: tuple[Tracer, ...]  # outer tracers passed as trailing args
    host_callbacks: tuple = ()  # (root functions) python callbacks, by index


def _trace_function(
    fun: Callable,
    in_avals: Sequence[ShapedArray],
    module: ir.Module,
    name: str,
    parent: Trace | None,
    ad: bool = False,
    concrete_args: Sequence[Any] | None = None,
    ad_depth: int | None = None,
    hoist_consts: bool = False,
    batched: bool = False,
) -> TracedFunction:
    in_types = [mlir.tensor_type(a.shape, a.dtype) for a in in_avals]
    with ir.InsertionPoint(module.body):
        f = func_d.FuncOp(name, ir.FunctionType.get(in_types, []))
    if parent is not None:
        f.attributes["sym_visibility"] = ir.StringAttr.get("private")
    block = f.add_entry_block()
    trace = Trace(block, module, parent)
    if ad_depth is not None:
        trace.ad_depth = ad_depth
    elif ad:
        trace.ad_depth += 1
    trace.concrete = concrete_args is not None
    trace.hoist_consts = hoist_consts
    trace.batched = batched
    values = list(concrete_args) if concrete_args is not None else [None] * len(in_avals)
    tracers = [
        Tracer(trace, arg, aval, v) for arg, aval, v in zip(block.arguments, in_avals, values)
    ]
    push_trace(trace)
    try:
        out = fun(*tracers)
        out_leaves, out_tree = tree_util.tree_flatten(out)
        out_values, out_avals = [], []
        for leaf in out_leaves:
            v, aval = trace.to_value(leaf)
            out_values.append(v)
            out_avals.append(aval)
    except BaseException:
        # Leave no half-built function behind (a retry may trace again).
        if parent is not None:
            f.operation.erase()
        raise
    finally:
        pop_trace()
    with ir.InsertionPoint(block):
        func_d.ReturnOp(out_values)
    all_in_types = in_types + [mlir.tensor_type(t.aval.shape, t.aval.dtype) for t in trace.captures]
    f.attributes["function_type"] = ir.TypeAttr.get(
        ir.FunctionType.get(all_in_types, [v.type for v in out_values])
    )
    return TracedFunction(
        f,
        name,
        tuple(in_avals),
        out_tree,
        tuple(out_avals),
        tuple(trace.captures),
        tuple(trace.host_callbacks),
    )


def trace_to_module(
    fun: Callable,
    in_avals: Sequence[ShapedArray],
    name: str = "main",
    concrete_args: Sequence[Any] | None = None,
    hoist_consts: bool = False,
    in_shardings: Sequence[Any] | None = None,
    out_shardings: Any = None,
) -> Traced:
    """Traces `fun(*tracers)` into a fresh module holding func.func @name
    (with `concrete_args`, the tracers carry those values). With
    `hoist_consts`, the Arrays it closes over become trailing arguments
    (`Traced.consts`) instead of constants. `in_shardings` (per argument)
    and `out_shardings` (a function of the output tree giving one per
    result) are NamedShardings or None (left to XLA's propagation)."""
    from mlax._src import sharding_impl

    ctx = mlir.context()
    in_sh = list(in_shardings) if in_shardings is not None else [None] * len(in_avals)
    root: list = []

    def body(*args):
        root.append(current_trace())
        for sh in in_sh:
            if isinstance(sh, sharding_impl.NamedSharding):
                note_mesh(sh.mesh)
        return fun(*args)

    with ctx, ir.Location.unknown(ctx):
        module = ir.Module.create()
        tf = _trace_function(
            body,
            in_avals,
            module,
            name,
            None,
            concrete_args=concrete_args,
            hoist_consts=hoist_consts,
        )
        out_sh = out_shardings(tf.out_tree, tf.out_avals) if out_shardings is not None else None
        mesh = root[0].mesh if root else None
        for sh in out_sh or ():
            if isinstance(sh, sharding_impl.NamedSharding):
                if mesh is None:
                    mesh = sh.mesh
                elif mesh._key[0] != sh.mesh._key[0]:
                    raise ValueError(
                        f"out_shardings use mesh {sh.mesh}, whose devices differ from the "
                        f"program's mesh {mesh}"
                    )
        n_in = len(in_avals) + len(tf.captures)
        in_fixed = tuple(isinstance(x, sharding_impl.NamedSharding) for x in in_sh)
        in_fixed += (False,) * (n_in - len(in_fixed))
        out_fixed = tuple(
            isinstance(x, sharding_impl.NamedSharding)
            for x in (out_sh or [None] * len(tf.out_avals))
        )
        if mesh is not None and mesh.size > 1:
            _set_function_shardings(tf.func, in_sh, in_avals, out_sh, tf.out_avals)
            i32 = ir.IntegerType.get_signless(32)
            module.operation.attributes["mhlo.num_partitions"] = ir.IntegerAttr.get(i32, mesh.size)
            module.operation.attributes["mhlo.num_replicas"] = ir.IntegerAttr.get(i32, 1)
        elif mesh is None:
            in_fixed = out_fixed = ()
    return Traced(
        module,
        tuple(in_avals),
        tf.out_tree,
        tf.out_avals,
        tf.captures,
        tuple(tf.host_callbacks),
        mesh if mesh is not None and mesh.size > 1 else None,
        in_fixed,
        out_fixed,
    )


def _set_function_shardings(func, in_sh, in_avals, out_sh, out_avals) -> None:
    from mlax._src import sharding_impl

    def attrs(shardings, avals, n):
        out = []
        for i in range(n):
            sh = shardings[i] if shardings is not None and i < len(shardings) else None
            if isinstance(sh, sharding_impl.NamedSharding):
                d = {"mlax.sharding": sharding_impl.function_attr(sh, len(avals[i].shape))}
            else:
                d = {}
            out.append(ir.DictAttr.get(d))
        return ir.ArrayAttr.get(out)

    n_args = len(ir.FunctionType(ir.TypeAttr(func.attributes["function_type"]).value).inputs)
    pad = n_args - len(in_avals)  # hoisted constants: left to propagation
    func.attributes["arg_attrs"] = attrs(
        list(in_sh) + [None] * pad, list(in_avals) + [None] * pad, n_args
    )
    func.attributes["res_attrs"] = attrs(out_sh, list(out_avals), len(out_avals))


def trace_subfunction(
    fun: Callable,
    in_avals: Sequence[ShapedArray],
    name: str,
    exact_name: str | None = None,
    ad: bool = False,
    operands: Sequence[Any] | None = None,
    ad_depth: int | None = None,
    batched: bool = False,
) -> TracedFunction:
    """Traces `fun` into a private function of the current trace's module
    (for transformation ops). Outer tracers it uses become `captures`.
    `exact_name` is a name reserved earlier with `reserve_name`. `ad`: the
    function will be differentiated (one more level than its caller);
    `ad_depth` sets the level explicitly (custom rules: one less)."""
    parent = current_trace()
    assert parent is not None, "trace_subfunction needs an active trace"
    ctx = mlir.context()
    with ctx, ir.Location.unknown(ctx):
        concrete = None
        if parent.concrete and operands is not None:
            concrete = [concrete_value(x) for x in operands]
        return _trace_function(
            fun,
            in_avals,
            parent.module,
            exact_name or parent.fresh_name(name),
            parent,
            ad,
            concrete,
            ad_depth,
            batched=batched,
        )


def concrete_value(x: Any) -> np.ndarray | None:
    """The value of x if it is known during tracing."""
    if isinstance(x, Tracer):
        return x.concrete
    if isinstance(x, Array):
        return np.asarray(x)
    try:
        return concrete_to_numpy(x)[0]
    except TypeError:
        return None


def ad_depth() -> int:
    """How many jvp / vjp / grad levels will differentiate what is traced
    now (0 outside any trace): custom rules are traced once per level."""
    t = current_trace()
    return t.ad_depth if t is not None else 0


def add_host_callback(fn: Callable) -> int | None:
    """Registers `fn` as a host callback of the program being traced; its
    index, or None when the program cannot call back (under a user jit, in
    a function vmap batches, or on a platform without Python callbacks)."""
    t = current_trace()
    if t is None or runtime.python_callback_target() is None:
        return None
    while t.parent is not None:
        if t.batched:
            return None
        t = t.parent
    if not t.hoist_consts or t.batched:  # only eager transformations' roots
        return None
    t.host_callbacks.append(fn)
    return len(t.host_callbacks) - 1


def add_user_callback(fn: Callable) -> int:
    """Registers `fn` (a pure_callback / debug callback) with the root trace,
    under jit too; its index in the program's host-callback table."""
    t = current_trace()
    assert t is not None
    if runtime.python_callback_target() is None:
        raise NotImplementedError(
            f"host callbacks are not supported on platform {runtime.backend().platform!r}"
        )
    while t.parent is not None:
        t = t.parent
    t.host_callbacks.append(fn)
    return len(t.host_callbacks) - 1


def reserve_name(base: str) -> str:
    """A fresh function name in the current trace's module."""
    trace = current_trace()
    assert trace is not None
    return trace.fresh_name(base)


# Expand transformation ops into generated functions, inline them into
# @main, drop what is no longer referenced, then simplify.
OPTIMIZE_PIPELINE = "builtin.module(mlax-expand-transforms,inline,symbol-dce,canonicalize,cse)"


class Compiled(NamedTuple):
    executable: runtime.Executable
    out_tree: tree_util.PyTreeDef
    out_weak: tuple[bool, ...]
    stablehlo: str
    out_avals: tuple[ShapedArray, ...]

    def unflatten_outputs(self, buffers: Sequence[runtime.Buffer]):
        cls = ShardedArray if isinstance(self.executable, runtime.SpmdExecutable) else Array
        outs = [cls._from_buffer(b, a) for b, a in zip(buffers, self.out_avals)]
        if self.out_tree.kind is None:  # a single array
            return outs[0]
        return tree_util.tree_unflatten(self.out_tree, outs)


# Executables by the structure of the traced module (structural_key): a function traced again
# (eager transformations re-run Python each call, as in JAX) reuses the
# executable when it produced the same IR.
_EXECUTABLES: "collections.OrderedDict[bytes, tuple[runtime.Executable, str]]" = (
    collections.OrderedDict()
)
_EXECUTABLES_MAX = 512


# The host-callback table of each program, by IR key: the executable's
# trampolines hold the list itself (so an executable outliving its cache
# entry still calls back), and a new trace of the same IR refills it.
_HOST_CALLBACKS: dict[bytes, list[Callable]] = {}


def _call_host_callback(key: bytes, table: list, index: int, *args):
    try:
        return table[index](*args)
    except BaseException as e:
        # Re-raised by Executable.execute of this program.
        runtime.callback_errors.setdefault(key, []).append(e)
        raise


def _format_diagnostics(msg: str) -> str:
    """MLIR's pass-failure text as `file:line: error: ...` lines (the
    locations are the user's lines), without the IR dumps."""
    import re

    out = []
    for line in msg.splitlines():
        line = line.strip()
        if (
            not line
            or line.startswith("Failure while executing pass pipeline")
            or "see current operation" in line
        ):
            continue
        m = re.match(r'(error|note|warning): (?:"([^"]*)":(\d+):\d+|unknown): (.*)', line)
        if m:
            kind, path, lineno, text = m.groups()
            where = f"{path}:{lineno}: " if path else ""
            out.append(f"{where}{kind}: {text}")
        else:
            out.append(line)
    return "\n".join(out) or msg


# Guards _EXECUTABLES and _HOST_CALLBACKS (threads compile concurrently; XLA
# compilation itself runs outside the lock).
_EXECUTABLES_LOCK = threading.Lock()
# One lock per program being compiled: threads that compile the same
# program at once wait for the first instead of compiling it twice.
_COMPILING: dict[bytes, threading.Lock] = {}


def _cached_executable(key: str):
    with _EXECUTABLES_LOCK:
        hit = _EXECUTABLES.get(key)
        if hit is not None:
            _EXECUTABLES.move_to_end(key)
        return hit


def compile_traced(traced: Traced, timings: dict | None = None) -> Compiled:
    """Verifies, optimizes, exports and compiles a traced module. `timings`
    gets the seconds spent in each step ("transform", "export", "xla") and
    where the executable came from ("source")."""
    module = traced.module
    # The key is the module's structure (C++, a walk: printing it cost tens
    # of microseconds per eager transformation). Modules of one key verify
    # alike, so only a module new to the cache is verified.
    key = mlax_d.structural_key(module.operation)
    if traced.mesh is not None:  # the same program for other devices is another
        key += repr((list(traced.mesh._key[0]), traced.mesh.axis_names)).encode()
    hit = _cached_executable(key)
    if hit is None:
        module.operation.verify()
        with _EXECUTABLES_LOCK:
            lock = _COMPILING.setdefault(key, threading.Lock())
        with lock:
            hit = _cached_executable(key)
            if hit is None:
                hit = _compile_module(traced, key, timings)
        with _EXECUTABLES_LOCK:
            _COMPILING.pop(key, None)
    if timings is not None:
        timings.setdefault("source", "memory cache")
    if traced.host_callbacks:
        with _EXECUTABLES_LOCK:
            _HOST_CALLBACKS.setdefault(key, [])[:] = traced.host_callbacks
    exe, text = hit
    return Compiled(
        exe, traced.out_tree, tuple(a.weak_type for a in traced.out_avals), text, traced.out_avals
    )


class _NotImplementedTransformation(TransformationError, NotImplementedError):
    """A transformation JAX does not define either (NotImplementedError)."""


# Diagnostics of the C++ rules that JAX reports with another exception type.
_DIAGNOSTIC_ERRORS = (
    ("vmap is only supported for the pure_callback", _NotImplementedTransformation),
    # jax's NotImplementedError for scatter_mul's derivative with repeated indices.
    ("gradients are only implemented if `unique_indices=True`", _NotImplementedTransformation),
)


def main_func(module_op: ir.Operation):
    """The `func.func @main` of a builtin.module operation."""
    return next(
        op
        for op in module_op.regions[0].blocks[0].operations
        if op.operation.name == "func.func"
        and ir.StringAttr(op.attributes["sym_name"]).value == "main"
    )


def _prune_unused_arguments(module: ir.Module) -> tuple[tuple[bool, ...] | None, Any]:
    """Drops the arguments of the optimized `main` that nothing reads (as
    jax's jit does unless keep_unused): XLA neither takes nor transfers
    them, and the C++ dispatcher skips them. Arguments with attributes
    (donation, shardings) stay. Returns which arguments are kept (None for
    all) and the module operation to export: a pruned copy, so that the
    caller's module (a Lowered's) keeps its signature."""
    main = main_func(module.operation)
    args = main.regions[0].blocks[0].arguments
    n = len(args)
    arg_attrs = main.attributes["arg_attrs"] if "arg_attrs" in main.attributes else None
    drop = {
        i
        for i, a in enumerate(args)
        if next(iter(a.uses), None) is None
        and (arg_attrs is None or len(ir.DictAttr(arg_attrs[i])) == 0)
    }
    if not drop:
        return None, module.operation
    copy = module.operation.clone()
    main = main_func(copy)
    block = main.regions[0].blocks[0]
    with module.context:
        ftype = ir.FunctionType(ir.TypeAttr(main.attributes["function_type"]).value)
        for i in sorted(drop, reverse=True):
            block.erase_argument(i)
        inputs = [t for i, t in enumerate(ftype.inputs) if i not in drop]
        main.attributes["function_type"] = ir.TypeAttr.get(
            ir.FunctionType.get(inputs, ftype.results)
        )
        if arg_attrs is not None:
            main.attributes["arg_attrs"] = ir.ArrayAttr.get(
                [arg_attrs[i] for i in range(n) if i not in drop]
            )
    return tuple(i not in drop for i in range(n)), copy


def _compile_module(
    traced: Traced, key: bytes, timings: dict | None = None
) -> tuple[runtime.Executable, str]:
    module = traced.module
    timings = {} if timings is None else timings
    start = time.perf_counter()
    try:
        mlir.run_pipeline(module, OPTIMIZE_PIPELINE)
    except Exception as e:  # MLIRError: diagnostics of the transformations
        msg = str(e)
        if "can't apply forward-mode autodiff (jvp) to a custom_vjp function." in msg:
            raise TypeError(
                "can't apply forward-mode autodiff (jvp) to a custom_vjp function."
            ) from None
        text = _format_diagnostics(msg)
        for needle, error in _DIAGNOSTIC_ERRORS:
            if needle in msg:
                raise error(text) from None
        raise TransformationError(text) from None
    kept, to_export = (
        _prune_unused_arguments(module) if traced.mesh is None else (None, module.operation)
    )
    exported = time.perf_counter()
    timings["transform"] = exported - start
    try:
        text = mlir.export_stablehlo(to_export, runtime.default_device().platform)
    except Exception as e:  # MLIRError: an op without a kernel on this platform
        if "has no kernel for" in str(e):
            raise NotImplementedError(_format_diagnostics(str(e))) from None
        raise
    callbacks = ()
    if traced.host_callbacks:
        # Trampolines to the table of this IR: a later trace of the same
        # program reuses the executable with its own callbacks.
        with _EXECUTABLES_LOCK:
            table = _HOST_CALLBACKS.setdefault(key, [])
            table[:] = traced.host_callbacks
        callbacks = tuple(
            functools.partial(_call_host_callback, key, table, i)
            for i in range(len(traced.host_callbacks))
        )
    timings["export"] = time.perf_counter() - exported
    if traced.mesh is not None:
        if callbacks:
            raise NotImplementedError(
                "host callbacks in a program over several devices are not supported"
            )
        mesh = traced.mesh
        exe = runtime.compile_spmd(
            text,
            len(traced.out_avals),
            list(mesh.devices.flat),
            (mesh.axis_names, mesh.devices.shape),
            [not f for f in traced.in_fixed],
            [not f for f in traced.out_fixed],
            timings=timings,
        )
    else:
        exe = runtime.compile(
            text,
            len(traced.out_avals),
            host_callbacks=callbacks,
            callback_key=key if callbacks else None,
            timings=timings,
        )
    exe.kept = kept
    hit = (exe, text)
    timings["source"] = "disk cache" if timings.pop("disk_cache", False) else "XLA"
    with _EXECUTABLES_LOCK:
        _EXECUTABLES[key] = hit
        if len(_EXECUTABLES) > _EXECUTABLES_MAX:
            _HOST_CALLBACKS.pop(_EXECUTABLES.popitem(last=False)[0], None)
    return hit


def clear_caches() -> None:
    """Drops the executables cached by IR structure and the eager op cache."""
    with _EXECUTABLES_LOCK:
        _EXECUTABLES.clear()
        _HOST_CALLBACKS.clear()
    _eager_cache.clear()


def _params_key(params: dict) -> tuple:
    return tuple(sorted(params.items()))


_eager_cache: dict[tuple, Compiled] = {}
# C++ dispatchers of eager ops, by (primitive, params, trace context).
_eager_dispatch: dict[tuple, Any] = {}
_EAGER_DISPATCH_MAX = 4096


def _eager(prim: Primitive, args: Sequence[Any], params: dict):
    # The dispatcher's key holds the config and tracing state (see
    # sync_dispatch_thread): its cache_miss decides whether a state may be
    # replayed, so no state is read here.
    try:
        key = (prim, _params_key(params))
        cpp = _eager_dispatch.get(key)
    except TypeError:  # an unhashable parameter
        key = cpp = None
    if key is not None:
        if cpp is None:
            if len(_eager_dispatch) >= _EAGER_DISPATCH_MAX:
                _eager_dispatch.clear()
            cpp = _eager_dispatch[key] = _eager_dispatcher(prim, params)
        try:
            return cpp(*args)
        except ValueError as e:
            if not runtime.is_deleted_input_error(e):
                raise
            # A deleted input: the Python path names it.
    return _eager_python(prim, args, params)[0]


def arg_shardings(arrays: Sequence[Any]) -> tuple | None:
    """The shardings of the arguments that span several devices (None for
    the others), or None when none does."""
    if not any(type(a) is ShardedArray for a in arrays):
        return None
    return tuple(a.sharding if type(a) is ShardedArray else None for a in arrays)


def _eager_dispatcher(prim: Primitive, params: dict):
    def cache_miss(*args):
        state = config.dispatch_state()
        out, compiled = _eager_python(prim, args, params)
        data = None
        if state[3]:  # no NaN checks, disable_jit or x64
            data = runtime.fastpath_data(compiled.executable, len(args), out)
        return out, data, False

    return runtime.fast_jit(
        prim.name,
        lambda *args: _eager_python(prim, args, params)[0],
        cache_miss,
        (),
        (),
        capacity=64,
    )


def _eager_python(prim: Primitive, args: Sequence[Any], params: dict):
    arrays = [to_array(a) for a in args]
    shardings = arg_shardings(arrays)
    key = (prim, _params_key(params), tuple(a.aval for a in arrays), shardings)
    compiled = _eager_cache.get(key)
    if compiled is None:
        traced = trace_to_module(
            lambda *xs: prim.bind(*xs, **params),
            [a.aval for a in arrays],
            name="main",
            in_shardings=shardings,
        )
        compiled = compile_traced(traced)
        _eager_cache[key] = compiled
    out = compiled.unflatten_outputs(compiled.executable.execute([a._buffer for a in arrays]))
    if config.dispatch_state()[2]:  # mlax_debug_nans / mlax_debug_infs
        from mlax._src.api import _check_nans

        _check_nans(out, prim.name)
    return out, compiled
