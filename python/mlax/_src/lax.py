"""mlax.lax: primitives one-to-one with mlax dialect ops.

Each public function checks its arguments in Python (so a mistake is a
TypeError/ValueError naming the argument) and binds a Primitive that emits
the op. Elementwise binary ops require equal shapes and dtypes, as in
JAX's lax; mlax.numpy adds broadcasting and promotion on top.
"""

from __future__ import annotations

import builtins as _builtins
import enum
import math
from typing import Any, Sequence

import numpy as np

from mlax._src import dtypes, mlir
from mlax._src.core import (
    Array,
    ArrayLike,
    DTypeLike,
    Primitive,
    ShapedArray,
    Tracer,
    aval_of,
    canonicalize_shape,
)
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as m


def _type(shape, dtype) -> ir.RankedTensorType:
    return mlir.tensor_type(tuple(shape), np.dtype(dtype))


# --------------------------------------------------------------------------
# Elementwise ops
# --------------------------------------------------------------------------


def _unary_emit(op_cls):
    return lambda values, avals: op_cls(values[0]).result


def _binary_emit(op_cls):
    return lambda values, avals: op_cls(values[0], values[1]).result


_FLOAT_OR_COMPLEX = "floating or complex"
_UNARY_TABLE = {
    # name: (op class, allowed kinds)
    "neg": (m.NegOp, "numeric"),
    "sign": (m.SignOp, "signed"),
    "exp": (m.ExpOp, _FLOAT_OR_COMPLEX),
    "expm1": (m.Expm1Op, _FLOAT_OR_COMPLEX),
    "log": (m.LogOp, _FLOAT_OR_COMPLEX),
    "log1p": (m.Log1pOp, _FLOAT_OR_COMPLEX),
    "sqrt": (m.SqrtOp, _FLOAT_OR_COMPLEX),
    "rsqrt": (m.RsqrtOp, _FLOAT_OR_COMPLEX),
    "cbrt": (m.CbrtOp, "floating"),
    "sin": (m.SineOp, _FLOAT_OR_COMPLEX),
    "cos": (m.CosineOp, _FLOAT_OR_COMPLEX),
    "tan": (m.TanOp, _FLOAT_OR_COMPLEX),
    "tanh": (m.TanhOp, _FLOAT_OR_COMPLEX),
    "sinh": (m.SinhOp, _FLOAT_OR_COMPLEX),
    "cosh": (m.CoshOp, _FLOAT_OR_COMPLEX),
    "logistic": (m.LogisticOp, _FLOAT_OR_COMPLEX),
    "floor": (m.FloorOp, "floating"),
    "ceil": (m.CeilOp, "floating"),
    "round_nearest_even": (m.RoundNearestEvenOp, "floating"),
    "round_nearest_afz": (m.RoundNearestAfzOp, "floating"),
    "not": (m.NotOp, "boolean or integer"),
    "erf": (m.ErfOp, "floating"),
    "erf_inv": (m.ErfInvOp, "floating"),
    "erfc": (m.ErfcOp, "floating"),
    "conj": (m.ConjOp, "complex"),
    "lgamma": (m.LgammaOp, "floating"),
    "digamma": (m.DigammaOp, "floating"),
    "abs": (m.AbsOp, "signed"),
    "is_finite": (m.IsFiniteOp, "floating"),
    "population_count": (m.PopulationCountOp, "integer"),
    "clz": (m.CountLeadingZerosOp, "integer"),
}

_BINARY_TABLE = {
    "add": (m.AddOp, "any"),
    "sub": (m.SubtractOp, "numeric"),
    "mul": (m.MulOp, "any"),
    "div": (m.DivOp, "numeric"),
    "rem": (m.RemOp, "integer or floating"),
    "pow": (m.PowOp, "numeric"),
    "max": (m.MaxOp, "any"),
    "min": (m.MinOp, "any"),
    "atan2": (m.Atan2Op, "floating"),
    "polygamma": (m.PolygammaOp, "floating"),
    "zeta": (m.ZetaOp, "floating"),
    "and": (m.AndOp, "boolean or integer"),
    "or": (m.OrOp, "boolean or integer"),
    "xor": (m.XorOp, "boolean or integer"),
    "shift_left": (m.ShiftLeftOp, "integer"),
    "shift_right_logical": (m.ShiftRightLogicalOp, "integer"),
    "shift_right_arithmetic": (m.ShiftRightArithmeticOp, "integer"),
    "nextafter": (m.NextAfterOp, "floating"),
}


def _kind_ok(dtype: np.dtype, kinds: str) -> bool:
    if kinds == "any":
        return True
    if kinds == "numeric":
        return not dtypes.is_bool(dtype)
    if kinds == "signed":
        return (
            dtypes.is_float(dtype)
            or dtypes.is_complex(dtype)
            or (dtypes.is_integer(dtype) and not dtypes.is_unsigned(dtype))
        )
    if kinds == _FLOAT_OR_COMPLEX:
        return dtypes.is_float(dtype) or dtypes.is_complex(dtype)
    if kinds == "floating":
        return dtypes.is_float(dtype)
    if kinds == "integer":
        return dtypes.is_integer(dtype)
    if kinds == "integer or floating":
        return dtypes.is_integer(dtype) or dtypes.is_float(dtype)
    if kinds == "complex":
        return dtypes.is_complex(dtype)
    if kinds == "boolean or integer":
        return dtypes.is_bool(dtype) or dtypes.is_integer(dtype)
    raise AssertionError(kinds)


def _check_kind(name: str, aval: ShapedArray, kinds: str, arg: str = "operand") -> None:
    if not _kind_ok(aval.dtype, kinds):
        raise TypeError(
            f"lax.{name} requires {kinds} arguments, got {arg} of dtype {aval.dtype.name}"
        )


primitives: dict[str, Primitive] = {}
for _name, (_cls, _kinds) in _UNARY_TABLE.items():
    primitives[_name] = Primitive(
        _name, _unary_emit(_cls), weak="none" if _name == "is_finite" else "all"
    )
for _name, (_cls, _kinds) in _BINARY_TABLE.items():
    primitives[_name] = Primitive(_name, _binary_emit(_cls))


def _unary(name: str):
    prim = primitives[name]
    kinds = _UNARY_TABLE[name][1]

    def f(x: ArrayLike) -> Array:
        _check_kind(name, aval_of(x), kinds, "x")
        return prim.bind(x)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = (
        f"Elementwise {name} (the mlax.{_UNARY_TABLE[name][0].OPERATION_NAME.split('.')[1]} op)."
    )
    return f


def _check_same(name: str, *avals: ShapedArray) -> None:
    shapes = {a.shape for a in avals}
    if len(shapes) > 1:
        raise TypeError(
            f"lax.{name} requires arguments of equal shapes, got "
            + ", ".join(str(a.shape) for a in avals)
        )
    dts = {a.dtype for a in avals}
    if len(dts) > 1:
        raise TypeError(
            f"lax.{name} requires arguments of equal dtypes, got "
            + ", ".join(a.dtype.name for a in avals)
        )


_ARRAYS = (Array, Tracer)


def _promote_scalars(*xs):
    """Python scalars take the dtype of the array operand (weak typing)."""
    avals = [aval_of(x) for x in xs]
    strong = [a for a in avals if not a.weak_type]
    if not strong:
        return xs
    target = strong[0].dtype
    return tuple(
        _convert_element_type(x, target) if a.weak_type and a.dtype != target else x
        for x, a in zip(xs, avals)
    )


def _broadcast_operands(name: str, x, y):
    """JAX's lax broadcasting of binary operands: a rank-0 operand
    broadcasts to the other's shape, and operands of one rank broadcast
    their size-1 dimensions; other shape differences stay errors."""
    sx, sy = aval_of(x).shape, aval_of(y).shape
    if sx == sy:
        return x, y
    if not sx or not sy:
        shape = sy if not sx else sx
    elif len(sx) != len(sy):
        raise TypeError(
            f"{name}: arrays must have the same number of dimensions, got {sx} and {sy}"
        )
    elif all(a == b or a == 1 or b == 1 for a, b in zip(sx, sy)):
        shape = tuple(_builtins.max(a, b) for a, b in zip(sx, sy))
    else:
        raise TypeError(f"lax.{name} requires arguments of equal shapes, got {sx}, {sy}")

    def grow(v, s):
        if s == shape:
            return v
        return broadcast_in_dim(v, shape, tuple(range(len(s))) if s else ())

    return grow(x, sx), grow(y, sy)


def _binary(name: str):
    prim = primitives[name]
    kinds = _BINARY_TABLE[name][1]

    def f(x: ArrayLike, y: ArrayLike) -> Array:
        if isinstance(x, _ARRAYS) and isinstance(y, _ARRAYS) and x.aval == y.aval:
            _check_kind(name, x.aval, kinds, "x")  # nothing to promote or broadcast
            return prim.bind(x, y)
        x, y = _promote_scalars(x, y)
        x, y = _broadcast_operands(name, x, y)
        ax, ay = aval_of(x), aval_of(y)
        _check_same(name, ax, ay)
        _check_kind(name, ax, kinds, "x")
        return prim.bind(x, y)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = (
        f"Elementwise {name} (the mlax.{_BINARY_TABLE[name][0].OPERATION_NAME.split('.')[1]} op)."
    )
    return f


neg = _unary("neg")
sign = _unary("sign")
exp = _unary("exp")
expm1 = _unary("expm1")
log = _unary("log")
log1p = _unary("log1p")
sqrt = _unary("sqrt")
rsqrt = _unary("rsqrt")
cbrt = _unary("cbrt")
sin = _unary("sin")
cos = _unary("cos")
tan = _unary("tan")
tanh = _unary("tanh")
sinh = _unary("sinh")
cosh = _unary("cosh")
logistic = _unary("logistic")
floor = _unary("floor")
ceil = _unary("ceil")
bitwise_not = not_ = _unary("not")
erf = _unary("erf")
erf_inv = _unary("erf_inv")
erfc = _unary("erfc")
lgamma = _unary("lgamma")
digamma = _unary("digamma")
abs = _unary("abs")
is_finite = _unary("is_finite")
population_count = _unary("population_count")
clz = _unary("clz")

add = _binary("add")
sub = _binary("sub")
mul = _binary("mul")
div = _binary("div")
rem = _binary("rem")
pow = _binary("pow")
max = _binary("max")
min = _binary("min")
atan2 = _binary("atan2")
polygamma = _binary("polygamma")
zeta = _binary("zeta")
bitwise_and = and_ = _binary("and")
bitwise_or = or_ = _binary("or")
bitwise_xor = xor = _binary("xor")
shift_left = _binary("shift_left")
shift_right_logical = _binary("shift_right_logical")
shift_right_arithmetic = _binary("shift_right_arithmetic")
nextafter = _binary("nextafter")


primitives["integer_pow"] = Primitive(
    "integer_pow",
    lambda values, avals, *, y: (
        m.IntegerPowOp(values[0], ir.IntegerAttr.get(ir.IntegerType.get_signless(64), y)).result
    ),
)


def integer_pow(x: ArrayLike, y: int):
    """Elementwise x ** y for a Python int y (the mlax.integer_pow op; its
    derivative is y * x ** (y - 1), as in JAX)."""
    import operator

    y = operator.index(y)
    a = aval_of(x)
    _check_kind("integer_pow", a, "numeric", "x")
    if y < 0 and not (dtypes.is_float(a.dtype) or dtypes.is_complex(a.dtype)):
        raise TypeError(
            f"lax.integer_pow with negative exponent {y} requires a floating "
            f"or complex x, got dtype {a.dtype.name}"
        )
    return primitives["integer_pow"].bind(x, y=y)


primitives["reduce_precision"] = Primitive(
    "reduce_precision",
    lambda values, avals, *, exponent_bits, mantissa_bits: (
        m.ReducePrecisionOp(
            values[0],
            ir.IntegerAttr.get(ir.IntegerType.get_signless(32), exponent_bits),
            ir.IntegerAttr.get(ir.IntegerType.get_signless(32), mantissa_bits),
        ).result
    ),
)


def reduce_precision(operand: ArrayLike, exponent_bits: int, mantissa_bits: int) -> Array:
    """Rounds each element to the nearest value with `exponent_bits`
    exponent and `mantissa_bits` mantissa bits, kept in the operand's dtype
    (the mlax.reduce_precision op; linear for derivatives, as in JAX)."""
    import operator

    exponent_bits = operator.index(exponent_bits)
    mantissa_bits = operator.index(mantissa_bits)
    _check_kind("reduce_precision", aval_of(operand), "floating", "operand")
    if exponent_bits < 1 or mantissa_bits < 0:
        raise ValueError(
            "lax.reduce_precision needs exponent_bits >= 1 and mantissa_bits >= 0, got "
            f"exponent_bits={exponent_bits}, mantissa_bits={mantissa_bits}"
        )
    return primitives["reduce_precision"].bind(
        operand, exponent_bits=exponent_bits, mantissa_bits=mantissa_bits
    )


def square(x: ArrayLike):
    """Elementwise x * x (integer_pow with exponent 2)."""
    return integer_pow(x, 2)


def _part_type(a, to_complex: bool):
    if to_complex:
        return _type(a.shape, np.complex64 if a.dtype == np.float32 else np.complex128)
    return _type(a.shape, np.float32 if a.dtype == np.complex64 else np.float64)


primitives["real"] = Primitive("real", lambda v, a: m.RealOp(v[0]).result)
primitives["imag"] = Primitive("imag", lambda v, a: m.ImagOp(v[0]).result)
primitives["complex"] = Primitive("complex", lambda v, a: m.ComplexOp(v[0], v[1]).result)


def real(x: ArrayLike):
    """Real part of a complex array (the mlax.real op)."""
    _check_kind("real", aval_of(x), "complex", "x")
    return primitives["real"].bind(x)


def imag(x: ArrayLike):
    """Imaginary part of a complex array (the mlax.imag op)."""
    _check_kind("imag", aval_of(x), "complex", "x")
    return primitives["imag"].bind(x)


def complex(x: ArrayLike, y: ArrayLike):
    """x + i*y for float32/float64 arrays of equal shape and dtype (mlax.complex)."""
    ax, ay = aval_of(x), aval_of(y)
    for name, a in (("x", ax), ("y", ay)):
        if a.dtype not in (np.float32, np.float64):
            raise TypeError(
                f"lax.complex requires float32 or float64 arguments, got {name} "
                f"of dtype {a.dtype.name}"
            )
    _check_same("complex", ax, ay)
    return primitives["complex"].bind(x, y)


def conj(x: ArrayLike):
    """Complex conjugate (x for real arrays)."""
    a = aval_of(x)
    if not dtypes.is_complex(a.dtype):
        return x
    return primitives["conj"].bind(x)


class RoundingMethod:
    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


def round(x: ArrayLike, rounding_method: int = RoundingMethod.AWAY_FROM_ZERO):
    """Rounds to the nearest integer (ties away from zero by default)."""
    if rounding_method == RoundingMethod.TO_NEAREST_EVEN:
        return _unary("round_nearest_even")(x)
    return _unary("round_nearest_afz")(x)


# --------------------------------------------------------------------------
# Comparison and selection
# --------------------------------------------------------------------------

_DIRECTIONS = {"eq": "EQ", "ne": "NE", "ge": "GE", "gt": "GT", "le": "LE", "lt": "LT"}
_DIRECTION_VALUES = {"EQ": 0, "NE": 1, "GE": 2, "GT": 3, "LE": 4, "LT": 5}
_COMPARE_TYPES = {"NOTYPE": 0, "FLOAT": 1, "TOTALORDER": 2, "SIGNED": 3, "UNSIGNED": 4}


def _compare_emit(values, avals, *, direction):
    dt = avals[0].dtype
    if dtypes.is_float(dt) or dtypes.is_complex(dt):
        ctype = "FLOAT"
    elif dtypes.is_unsigned(dt) or dtypes.is_bool(dt):
        ctype = "UNSIGNED"
    else:
        ctype = "SIGNED"
    i32 = ir.IntegerType.get_signless(32)
    return m.CompareOp(
        values[0],
        values[1],
        ir.IntegerAttr.get(i32, _DIRECTION_VALUES[direction]),
        compare_type=ir.IntegerAttr.get(i32, _COMPARE_TYPES[ctype]),
    ).result


primitives["compare"] = Primitive("compare", _compare_emit, weak="none")


def _comparison(name: str):
    direction = _DIRECTIONS[name]

    def f(x: ArrayLike, y: ArrayLike) -> Array:
        x, y = _promote_scalars(x, y)
        x, y = _broadcast_operands(name, x, y)
        ax = aval_of(x)
        _check_same(name, ax, aval_of(y))
        if direction not in ("EQ", "NE") and dtypes.is_complex(ax.dtype):
            raise TypeError(
                f"lax.{name} requires integer, floating or boolean arguments "
                f"(complex numbers have no order), got x of dtype {ax.dtype.name}"
            )
        return primitives["compare"].bind(x, y, direction=direction)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise comparison x {direction} y (the mlax.compare op)."
    return f


eq = _comparison("eq")
ne = _comparison("ne")
ge = _comparison("ge")
gt = _comparison("gt")
le = _comparison("le")
lt = _comparison("lt")


primitives["select"] = Primitive(
    "select", lambda v, a: m.SelectOp(v[0], v[1], v[2]).result, weak="none"
)


def select(pred: ArrayLike, on_true: ArrayLike, on_false: ArrayLike):
    """pred ? on_true : on_false, elementwise; pred is boolean."""
    ap, at, af = aval_of(pred), aval_of(on_true), aval_of(on_false)
    if ap.dtype != np.bool_:
        raise TypeError(f"lax.select requires a boolean pred, got {ap.dtype.name}")
    _check_same("select", at, af)
    if ap.shape and ap.shape != at.shape:
        raise TypeError(
            f"lax.select requires pred to be a scalar or have the "
            f"operands' shape {at.shape}, got {ap.shape}"
        )
    return primitives["select"].bind(pred, on_true, on_false)


primitives["clamp"] = Primitive(
    "clamp", lambda v, a: m.ClampOp(v[0], v[1], v[2]).result, weak="none"
)


def clamp(min: ArrayLike, x: ArrayLike, max: ArrayLike):
    """Clamps x elementwise into [min, max]; bounds are scalars or x-shaped."""
    min, x, max = _promote_scalars(min, x, max)
    amin, ax, amax = aval_of(min), aval_of(x), aval_of(max)
    for name, a in (("min", amin), ("max", amax)):
        if a.dtype != ax.dtype:
            raise TypeError(
                f"lax.clamp requires {name} of dtype {ax.dtype.name}, got {a.dtype.name}"
            )
        if a.shape and a.shape != ax.shape:
            raise TypeError(
                f"lax.clamp requires {name} to be a scalar or have shape {ax.shape}, got {a.shape}"
            )
    return primitives["clamp"].bind(min, x, max)


# --------------------------------------------------------------------------
# Conversions, constants
# --------------------------------------------------------------------------

primitives["convert"] = Primitive(
    "convert",
    lambda v, a, *, new_dtype, weak_type: m.ConvertOp(_type(a[0].shape, new_dtype), v[0]).result,
    weak="param",
)


def convert_element_type(x: ArrayLike, new_dtype: DTypeLike):
    """Converts x to new_dtype (float to int truncates toward zero)."""
    return _convert_element_type(x, new_dtype, weak_type=False)


def _convert_element_type(x, new_dtype, weak_type: bool = False):
    """convert_element_type that can keep JAX's weak-type bit (promotion)."""
    new_dtype = dtypes.canonicalize_dtype(new_dtype)
    a = aval_of(x)
    if a.dtype == new_dtype and a.weak_type == weak_type:
        return x
    if dtypes.is_complex(a.dtype) and not dtypes.is_complex(new_dtype):
        raise TypeError(
            "converting a complex array to a real dtype is not supported; use real() or abs() first"
        )
    return primitives["convert"].bind(x, new_dtype=new_dtype, weak_type=bool(weak_type))


primitives["bitcast_convert"] = Primitive(
    "bitcast_convert",
    lambda v, a, *, shape, new_dtype: m.BitcastConvertOp(_type(shape, new_dtype), v[0]).result,
    weak="none",
)


def bitcast_convert_type(x: ArrayLike, new_dtype: DTypeLike):
    """Reinterprets the bits of x as new_dtype (adding/removing a trailing
    dimension when the bit widths differ)."""
    new_dtype = dtypes.canonicalize_dtype(new_dtype)
    a = aval_of(x)
    old_bits, new_bits = a.dtype.itemsize * 8, new_dtype.itemsize * 8
    if old_bits == new_bits:
        shape = a.shape
    elif old_bits > new_bits:
        shape = a.shape + (old_bits // new_bits,)
    else:
        ratio = new_bits // old_bits
        if not a.shape or a.shape[-1] != ratio:
            raise ValueError(
                f"lax.bitcast_convert_type from {a.dtype.name} to "
                f"{new_dtype.name} needs a trailing dimension of size "
                f"{ratio}, got shape {a.shape}"
            )
        shape = a.shape[:-1]
    return primitives["bitcast_convert"].bind(x, shape=shape, new_dtype=new_dtype)


primitives["iota"] = Primitive(
    "iota",
    lambda v, a, *, dtype, shape, dimension: (
        m.IotaOp(
            _type(shape, dtype), ir.IntegerAttr.get(ir.IntegerType.get_signless(64), dimension)
        ).result
    ),
    weak="none",
)


def broadcasted_iota(dtype: DTypeLike | None, shape: Sequence[int], dimension: int):
    """An array of `shape` counting 0, 1, ... along `dimension`."""
    dtype = dtypes.canonicalize_dtype(dtype)
    shape = canonicalize_shape(shape, "iota shape")
    if not 0 <= dimension < len(shape):
        raise ValueError(f"iota dimension {dimension} is out of range for shape {shape}")
    return primitives["iota"].bind(dtype=dtype, shape=shape, dimension=int(dimension))


def iota(dtype: DTypeLike | None, size: int):
    """[0, 1, ..., size-1]."""
    return broadcasted_iota(dtype, (size,), 0)


# --------------------------------------------------------------------------
# Shape ops
# --------------------------------------------------------------------------

primitives["broadcast_in_dim"] = Primitive(
    "broadcast_in_dim",
    lambda v, a, *, shape, broadcast_dimensions: (
        m.BroadcastInDimOp(
            _type(shape, a[0].dtype), v[0], mlir.i64_array(broadcast_dimensions)
        ).result
    ),
    weak="first",
)


def broadcast_in_dim(operand: ArrayLike, shape: Sequence[int], broadcast_dimensions: Sequence[int]):
    """Broadcasts operand dimension i to result dimension broadcast_dimensions[i]."""
    a = aval_of(operand)
    shape = canonicalize_shape(shape, "broadcast_in_dim shape")
    dims = tuple(int(d) for d in broadcast_dimensions)
    if len(dims) != a.ndim:
        raise TypeError(
            f"broadcast_in_dim: broadcast_dimensions {dims} must have "
            f"one entry per operand dimension (operand shape {a.shape})"
        )
    for i, d in enumerate(dims):
        if not 0 <= d < len(shape):
            raise TypeError(
                f"broadcast_in_dim: dimension {d} is out of range for result shape {shape}"
            )
        if a.shape[i] not in (1, shape[d]):
            raise TypeError(
                f"broadcast_in_dim: operand dimension {i} of size "
                f"{a.shape[i]} cannot be broadcast to size {shape[d]}"
            )
    if len(set(dims)) != len(dims):
        raise TypeError(f"broadcast_in_dim: broadcast_dimensions {dims} repeat a dimension")
    if a.shape == shape and dims == tuple(range(len(shape))):
        return operand
    return primitives["broadcast_in_dim"].bind(operand, shape=shape, broadcast_dimensions=dims)


def broadcast(operand: ArrayLike, sizes: Sequence[int]):
    """Adds leading dimensions of the given sizes."""
    a = aval_of(operand)
    sizes = tuple(sizes)
    return broadcast_in_dim(operand, sizes + a.shape, tuple(range(len(sizes), len(sizes) + a.ndim)))


primitives["reshape"] = Primitive(
    "reshape",
    lambda v, a, *, new_sizes: m.ReshapeOp(_type(new_sizes, a[0].dtype), v[0]).result,
    weak="first",
)


def reshape(operand: ArrayLike, new_sizes: Sequence[int], dimensions: Sequence[int] = None):
    """Row-major reshape (dimensions, if given, transposes first)."""
    if dimensions is not None:
        operand = transpose(operand, dimensions)
    a = aval_of(operand)
    new_sizes = canonicalize_shape(new_sizes, "reshape new_sizes")
    if math.prod(new_sizes) != math.prod(a.shape):
        raise ValueError(
            f"reshape total size must be unchanged, got new_sizes {new_sizes} for shape {a.shape}"
        )
    if new_sizes == a.shape:
        return operand
    return primitives["reshape"].bind(operand, new_sizes=new_sizes)


primitives["transpose"] = Primitive(
    "transpose",
    lambda v, a, *, permutation: m.TransposeOp(v[0], mlir.i64_array(permutation)).result,
    weak="first",
)


def transpose(operand: ArrayLike, permutation: Sequence[int]):
    """Result dimension i is operand dimension permutation[i]."""
    a = aval_of(operand)
    perm = tuple(int(p) for p in permutation)
    if sorted(perm) != list(range(a.ndim)):
        raise TypeError(
            f"transpose permutation {perm} is not a permutation of "
            f"the dimensions of an array of shape {a.shape}"
        )
    if perm == tuple(range(a.ndim)):
        return operand
    return primitives["transpose"].bind(operand, permutation=perm)


class Precision(enum.Enum):
    """How precisely a backend multiplies in dot products (JAX's
    lax.Precision): DEFAULT (fastest, e.g. one bf16 pass on TPU), HIGH
    (TF32 / three bf16 passes), HIGHEST (full float32)."""

    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    @classmethod
    def _missing_(cls, value):
        names = {
            "default": cls.DEFAULT,
            "fastest": cls.DEFAULT,
            "bfloat16": cls.DEFAULT,
            "high": cls.HIGH,
            "tensorfloat32": cls.HIGH,
            "bfloat16_3x": cls.HIGH,
            "highest": cls.HIGHEST,
            "float32": cls.HIGHEST,
        }
        if isinstance(value, str) and value.lower() in names:
            return names[value.lower()]
        return None

    def __str__(self) -> str:
        return self.name


def canonicalize_precision(precision: Any) -> tuple[str, str] | None:
    """(lhs, rhs) precision names for dot_general's precision_config, from
    None (the mlax_default_matmul_precision flag), a Precision, a string, or
    a pair of them; ValueError for anything else."""
    if precision is None:
        from mlax._src.config import config

        precision = config.read("mlax_default_matmul_precision")
        if precision is None:
            return None
    if isinstance(precision, (tuple, list)) and len(precision) == 2:
        pair = tuple(precision)
    elif isinstance(precision, (str, Precision)):
        pair = (precision, precision)
    else:
        raise ValueError(
            f"Precision argument must be one of:\n- None,\n- a string, a Precision or a "
            f"pair of them,\ngot {precision!r}"
        )
    out = []
    for p in pair:
        try:
            out.append(Precision(p).name if not isinstance(p, Precision) else p.name)
        except ValueError:
            raise ValueError(f"Unrecognized precision: {p!r}") from None
    if out == ["DEFAULT", "DEFAULT"]:
        return None  # the op's default
    return tuple(out)


def _dot_emit(values, avals, *, dimension_numbers, precision=None):
    (lc, rc), (lb, rb) = dimension_numbers
    return m.DotGeneralOp(
        values[0],
        values[1],
        mlir.i64_array(lb),
        mlir.i64_array(rb),
        mlir.i64_array(lc),
        mlir.i64_array(rc),
        precision_config=None
        if precision is None
        else ir.ArrayAttr.get([ir.StringAttr.get(p) for p in precision]),
    ).result


primitives["dot_general"] = Primitive("dot_general", _dot_emit, weak="none")


def dot_general(
    lhs: ArrayLike,
    rhs: ArrayLike,
    dimension_numbers: Any,
    precision: Any = None,
    preferred_element_type: DTypeLike | None = None,
):
    """As JAX's lax.dot_general: dimension_numbers = ((lhs_contract, rhs_contract),
    (lhs_batch, rhs_batch)). Result dims: batch, lhs free, rhs free."""
    (lc, rc), (lb, rb) = dimension_numbers
    dn = (
        (tuple(int(d) for d in lc), tuple(int(d) for d in rc)),
        (tuple(int(d) for d in lb), tuple(int(d) for d in rb)),
    )
    lhs, rhs = _promote_scalars(lhs, rhs)
    al, ar = aval_of(lhs), aval_of(rhs)
    if al.dtype != ar.dtype:
        raise TypeError(
            f"dot_general requires operands of one dtype, got {al.dtype.name} and {ar.dtype.name}"
        )
    (lc, rc), (lb, rb) = dn
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise TypeError(
            f"dot_general dimension_numbers {dn} pair up different "
            f"numbers of lhs and rhs dimensions"
        )
    for l, r in zip(lc + lb, rc + rb):
        if not (0 <= l < al.ndim and 0 <= r < ar.ndim):
            raise TypeError(
                f"dot_general dimension_numbers {dn} are out of range "
                f"for shapes {al.shape} and {ar.shape}"
            )
        if al.shape[l] != ar.shape[r]:
            raise TypeError(
                f"dot_general requires contracting/batch dimensions to "
                f"match: lhs dimension {l} has size {al.shape[l]}, rhs "
                f"dimension {r} has size {ar.shape[r]} (shapes "
                f"{al.shape} and {ar.shape})"
            )
    lhs, rhs = accumulation_operands(lhs, rhs, preferred_element_type)
    out = primitives["dot_general"].bind(
        lhs, rhs, dimension_numbers=dn, precision=canonicalize_precision(precision)
    )
    return as_preferred(out, preferred_element_type)


def accumulation_operands(lhs, rhs, preferred_element_type: DTypeLike | None):
    """The operands of a dot or convolution in the dtype it accumulates in:
    XLA accumulates in preferred_element_type, so operands are converted
    when it is wider or of another kind (int8 x int8 -> int32 must not
    overflow in int8); a narrower one only rounds the result."""
    if preferred_element_type is None:
        return lhs, rhs
    want = np.dtype(dtypes.canonicalize_dtype(preferred_element_type))
    have = aval_of(lhs).dtype
    if want.itemsize > have.itemsize or dtypes._kind_rank(want) != dtypes._kind_rank(have):
        lhs, rhs = convert_element_type(lhs, want), convert_element_type(rhs, want)
    return lhs, rhs


def as_preferred(out, preferred_element_type: DTypeLike | None):
    """A dot / convolution result in preferred_element_type."""
    if preferred_element_type is None:
        return out
    want = np.dtype(dtypes.canonicalize_dtype(preferred_element_type))
    return out if aval_of(out).dtype == want else convert_element_type(out, want)


def dot(
    lhs: ArrayLike,
    rhs: ArrayLike,
    precision: Any = None,
    preferred_element_type: DTypeLike | None = None,
):
    """Vector/matrix dot product (contracts lhs's last dim with rhs's first)."""
    al, ar = aval_of(lhs), aval_of(rhs)
    if al.ndim not in (1, 2) or ar.ndim not in (1, 2):
        raise TypeError(
            f"lax.dot requires 1-D or 2-D operands, got shapes {al.shape} and {ar.shape}"
        )
    return dot_general(
        lhs,
        rhs,
        (((al.ndim - 1,), (0,)), ((), ())),
        precision=precision,
        preferred_element_type=preferred_element_type,
    )


# --------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------

_MONOIDS = {
    "add": m.AddOp,
    "mul": m.MulOp,
    "max": m.MaxOp,
    "min": m.MinOp,
    "and": m.AndOp,
    "or": m.OrOp,
}


def _reduce_emit(values, avals, *, computation, dimensions):
    n = len(values) // 2
    in_avals = avals[:n]
    out_types = []
    for a in in_avals:
        shape = [s for i, s in enumerate(a.shape) if i not in dimensions]
        out_types.append(_type(shape, a.dtype))
    op = m.ReduceOp(out_types, values[:n], values[n:], mlir.i64_array(dimensions))
    scalar_types = [_type((), a.dtype) for a in in_avals]
    block = op.body.blocks.append(*(scalar_types + scalar_types))
    with ir.InsertionPoint(block):
        acc = [
            _MONOIDS[computation](block.arguments[i], block.arguments[n + i]).result
            for i in range(n)
        ]
        m.ReturnOp(acc)
    return list(op.results)


primitives["reduce"] = Primitive("reduce", _reduce_emit, multiple_results=True, weak="first")

_IDENTITIES = {"add": 0, "mul": 1, "and": True, "or": False}


def _identity(computation: str, dtype: np.dtype):
    if computation in _IDENTITIES:
        return np.array(_IDENTITIES[computation], dtype)
    big = computation == "min"
    if dtypes.is_float(dtype) or dtypes.is_complex(dtype):  # complex: (+-inf, 0), as JAX
        return np.array(np.inf if big else -np.inf, dtype)
    if dtypes.is_bool(dtype):
        return np.array(big, dtype)
    info = np.iinfo(dtype)
    return np.array(info.max if big else info.min, dtype)


def _reduce_monoid(computation: str, operand, axes: Sequence[int]):
    a = aval_of(operand)
    axes = tuple(sorted(int(d) for d in axes))
    for d in axes:
        if not 0 <= d < a.ndim:
            raise ValueError(f"reduction axis {d} is out of range for shape {a.shape}")
    if len(set(axes)) != len(axes):
        raise ValueError(f"reduction axes {axes} repeat an axis")
    init = _identity(computation, a.dtype)
    return primitives["reduce"].bind(operand, init, computation=computation, dimensions=axes)[0]


def reduce_sum(operand: ArrayLike, axes: Sequence[int]):
    return _reduce_monoid("add", operand, axes)


def reduce_prod(operand: ArrayLike, axes: Sequence[int]):
    return _reduce_monoid("mul", operand, axes)


def reduce_max(operand: ArrayLike, axes: Sequence[int]):
    return _reduce_monoid("max", operand, axes)


def reduce_min(operand: ArrayLike, axes: Sequence[int]):
    return _reduce_monoid("min", operand, axes)


def reduce_and(operand: ArrayLike, axes: Sequence[int]):
    return _reduce_monoid("and", operand, axes)


def reduce_or(operand: ArrayLike, axes: Sequence[int]):
    return _reduce_monoid("or", operand, axes)


# --------------------------------------------------------------------------
# Slicing, concatenation, padding, reversal
# --------------------------------------------------------------------------

primitives["slice"] = Primitive(
    "slice",
    lambda v, a, *, start, limit, strides: (
        m.SliceOp(
            v[0], mlir.i64_array(start), mlir.i64_array(limit), mlir.i64_array(strides)
        ).result
    ),
    weak="first",
)


def slice(
    operand: ArrayLike,
    start_indices: ArrayLike,
    limit_indices: Sequence[int],
    strides: Sequence[int] | None = None,
):
    """Static strided slice operand[start:limit:stride] per dimension."""
    a = aval_of(operand)
    start = tuple(int(s) for s in start_indices)
    limit = tuple(int(s) for s in limit_indices)
    strides = tuple(int(s) for s in strides) if strides is not None else (1,) * a.ndim
    if not (len(start) == len(limit) == len(strides) == a.ndim):
        raise TypeError(f"slice indices must have one entry per dimension of shape {a.shape}")
    for d, (s, l, st) in enumerate(zip(start, limit, strides)):
        if not (0 <= s <= l <= a.shape[d]) or st <= 0:
            raise TypeError(f"slice [{s}:{l}:{st}] is invalid for dimension {d} of shape {a.shape}")
    return primitives["slice"].bind(operand, start=start, limit=limit, strides=strides)


def _index_scalars(indices, shape, what):
    """Scalar int32 start indices; negative ones count from the end, as in
    JAX's lax (StableHLO then clamps them into range)."""
    out = []
    for d, i in enumerate(indices):
        if aval_of(i).shape != ():
            raise TypeError(f"{what} start indices must be scalars, got shape {aval_of(i).shape}")
        if not dtypes.is_integer(aval_of(i).dtype):
            raise TypeError(f"{what} start indices must be integers, got {aval_of(i).dtype.name}")
        if isinstance(i, (int, np.integer)):
            i = int(i)
            out.append(np.int32(i + shape[d] if i < 0 else i))
            continue
        i = convert_element_type(i, np.int32)
        size = np.int32(shape[d])
        out.append(select(lt(i, np.int32(0)), add(i, size), i))
    return out


primitives["dynamic_slice"] = Primitive(
    "dynamic_slice",
    lambda v, a, *, slice_sizes: m.DynamicSliceOp(v[0], v[1:], mlir.i64_array(slice_sizes)).result,
    weak="first",
)


def dynamic_slice(operand: ArrayLike, start_indices: ArrayLike, slice_sizes: Sequence[int]):
    """Slice of slice_sizes at run-time start indices (clamped into range)."""
    a = aval_of(operand)
    sizes = tuple(int(s) for s in slice_sizes)
    if len(start_indices) != a.ndim or len(sizes) != a.ndim:
        raise ValueError(
            f"dynamic_slice needs {a.ndim} start indices and slice sizes "
            f"for shape {a.shape}, got {len(start_indices)} and {len(sizes)}"
        )
    for d, s in enumerate(sizes):
        if not 0 <= s <= a.shape[d]:
            raise TypeError(
                f"dynamic_slice size {s} is out of range for dimension {d} of shape {a.shape}"
            )
    idx = _index_scalars(start_indices, a.shape, "dynamic_slice")
    return primitives["dynamic_slice"].bind(operand, *idx, slice_sizes=sizes)


primitives["dynamic_update_slice"] = Primitive(
    "dynamic_update_slice",
    lambda v, a: m.DynamicUpdateSliceOp(v[0], v[1], v[2:]).result,
    weak="first",
)


def dynamic_update_slice(operand: ArrayLike, update: ArrayLike, start_indices: ArrayLike):
    """operand with update written at run-time start indices (clamped)."""
    a, u = aval_of(operand), aval_of(update)
    if a.dtype != u.dtype:
        raise TypeError(
            f"dynamic_update_slice update dtype {u.dtype.name} differs "
            f"from operand dtype {a.dtype.name}"
        )
    if u.ndim != a.ndim or any(us > s for us, s in zip(u.shape, a.shape)):
        raise TypeError(
            f"dynamic_update_slice update shape {u.shape} does not fit in operand shape {a.shape}"
        )
    if len(start_indices) != a.ndim:
        raise TypeError(f"dynamic_update_slice needs {a.ndim} start indices")
    idx = _index_scalars(start_indices, a.shape, "dynamic_update_slice")
    return primitives["dynamic_update_slice"].bind(operand, update, *idx)


primitives["concatenate"] = Primitive(
    "concatenate",
    lambda v, a, *, dimension: (
        m.ConcatenateOp(v, ir.IntegerAttr.get(ir.IntegerType.get_signless(64), dimension)).result
    ),
    weak="all",
)


def concatenate(operands: Sequence[Any], dimension: int):
    """Concatenates operands along dimension."""
    if not operands:
        raise ValueError("concatenate needs at least one operand")
    avals = [aval_of(o) for o in operands]
    first = avals[0]
    if not 0 <= dimension < first.ndim:
        raise ValueError(
            f"concatenate dimension {dimension} is out of range for shape {first.shape}"
        )
    for i, a in enumerate(avals):
        if a.dtype != first.dtype:
            raise TypeError(
                f"concatenate operand {i} has dtype {a.dtype.name}, expected {first.dtype.name}"
            )
        if a.ndim != first.ndim or any(
            s != t for d, (s, t) in enumerate(zip(a.shape, first.shape)) if d != dimension
        ):
            raise TypeError(
                f"concatenate operand {i} has shape {a.shape}, incompatible "
                f"with {first.shape} along dimension {dimension}"
            )
    if len(operands) == 1:
        return operands[0]
    return primitives["concatenate"].bind(*operands, dimension=int(dimension))


primitives["pad"] = Primitive(
    "pad",
    lambda v, a, *, low, high, interior: (
        m.PadOp(
            v[0], v[1], mlir.i64_array(low), mlir.i64_array(high), mlir.i64_array(interior)
        ).result
    ),
    weak="first",
)


def pad(
    operand: ArrayLike, padding_value: ArrayLike, padding_config: Sequence[tuple[int, int, int]]
):
    """padding_config: (low, high, interior) per dimension; low/high may be negative."""
    a = aval_of(operand)
    padding_value = (
        convert_element_type(padding_value, a.dtype)
        if aval_of(padding_value).dtype != a.dtype
        else padding_value
    )
    if aval_of(padding_value).shape != ():
        raise TypeError("pad padding_value must be a scalar")
    config = [tuple(int(c) for c in cfg) for cfg in padding_config]
    if len(config) != a.ndim:
        raise TypeError(f"pad padding_config needs {a.ndim} entries for shape {a.shape}")
    low, high, interior = zip(*config) if config else ((), (), ())
    for d, (lo, hi, it) in enumerate(config):
        if it < 0:
            raise ValueError("pad interior padding must be non-negative")
        if lo + hi + a.shape[d] + _builtins.max(a.shape[d] - 1, 0) * it < 0:
            raise ValueError(f"pad makes dimension {d} negative")
    return primitives["pad"].bind(
        operand, padding_value, low=tuple(low), high=tuple(high), interior=tuple(interior)
    )


primitives["reverse"] = Primitive(
    "reverse",
    lambda v, a, *, dimensions: m.ReverseOp(v[0], mlir.i64_array(dimensions)).result,
    weak="first",
)


primitives["cumsum"] = Primitive(
    "cumsum",
    lambda v, a, *, axis, reverse: m.CumsumOp(v[0], axis, reverse=reverse or None).result,
    weak="first",
)


def rev(operand: ArrayLike, dimensions: Sequence[int]):
    """Reverses operand along dimensions."""
    a = aval_of(operand)
    dims = tuple(int(d) for d in dimensions)
    if any(not 0 <= d < a.ndim for d in dims) or len(set(dims)) != len(dims):
        raise ValueError(f"rev dimensions {dims} are invalid for shape {a.shape}")
    if not dims:
        return operand
    return primitives["reverse"].bind(operand, dimensions=dims)


# --------------------------------------------------------------------------
# Differentiation helpers
# --------------------------------------------------------------------------

primitives["stop_gradient"] = Primitive(
    "stop_gradient", lambda v, a: m.StopGradientOp(v[0]).result, weak="first"
)


def stop_gradient(x: ArrayLike):
    """Identity whose derivative is zero (applied to every leaf of a pytree)."""
    from mlax._src import tree_util

    def one(leaf):
        a = aval_of(leaf)
        if not (dtypes.is_float(a.dtype) or dtypes.is_complex(a.dtype)):
            return leaf
        return primitives["stop_gradient"].bind(leaf)

    return tree_util.tree_map(one, x)


def while_loop(cond_fun, body_fun, init_val, *, max_steps=None, checkpoints=None):
    """Repeats body_fun while cond_fun holds (the mlax.while op); with
    max_steps, at most that many times and differentiable in reverse mode
    (see control_flow.while_loop)."""
    from mlax._src import control_flow

    return control_flow.while_loop(
        cond_fun, body_fun, init_val, max_steps=max_steps, checkpoints=checkpoints
    )


def fori_loop(lower, upper, body_fun, init_val, *, unroll=None):
    """for i in range(lower, upper): val = body_fun(i, val) (a scan when the
    bounds are static, else the mlax.while op)."""
    from mlax._src import control_flow

    return control_flow.fori_loop(lower, upper, body_fun, init_val, unroll=unroll)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1, _split_transpose=False):
    """carry, y = f(carry, x) over the leading axis of xs (the mlax.scan op)."""
    from mlax._src import control_flow

    return control_flow.scan(f, init, xs, length, reverse, unroll)


def map(f, xs, *, batch_size=None):
    """f over the leading axis of xs, stacked (a scan)."""
    from mlax._src import control_flow

    return control_flow.map(f, xs, batch_size=batch_size)


def cond(pred: ArrayLike, true_fun, false_fun, *operands):
    """true_fun(*operands) if pred else false_fun(*operands) (the mlax.case op)."""
    from mlax._src import control_flow

    return control_flow.cond(pred, true_fun, false_fun, *operands)


def switch(index, branches, *operands):
    """branches[clamp(index)](*operands) (the mlax.case op)."""
    from mlax._src import control_flow

    return control_flow.switch(index, branches, *operands)
