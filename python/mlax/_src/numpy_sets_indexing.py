"""Set operations (isin, intersect1d, setdiff1d, setxor1d, union1d, the
array-API unique_* functions), splitting and stacking helpers, index helpers
(r_, c_, s_, fill_diagonal, the *_indices_from family) and the dtype names and
queries of jax.numpy, all composed from existing mlax.numpy / mlax.lax ops.

The set operations have data-dependent output sizes: as in JAX they take a
static `size=` (and `fill_value=`) to be traceable; without it the inputs
must be concrete, and a ConcretizationTypeError is raised otherwise."""

from __future__ import annotations

import builtins
import math
import operator
from typing import Any, Callable, NamedTuple, Sequence

import ml_dtypes
import numpy as np

from mlax._src import core, dtypes
from mlax._src import lax as _lax
from mlax._src import numpy_impl as _n
from mlax._src.core import Array, ArrayLike, Tracer, aval_of
from mlax._src.numpy_array_creation import _grid_1d, diag_indices, tril_indices, triu_indices
from mlax._src.numpy_impl import ensure_arraylike
from mlax._src.sorting import argsort, jnp_sort, lexsort, unique

# --------------------------------------------------------------------------
# Set operations
# --------------------------------------------------------------------------

_ISIN_METHODS = ("auto", "compare_all", "binary_search", "sort")


def _size_of(x) -> int:
    return math.prod(aval_of(x).shape)


def _idx_dtype():
    return dtypes.default_int_dtype()


def _concrete_count(count, name: str) -> int:
    value = core.concrete_value(count)
    if value is None:
        raise core.ConcretizationTypeError(
            "Abstract tracer value encountered where a concrete value is expected: "
            f"the size of jnp.{name}'s result depends on the values of its inputs. "
            f"Pass a static size= (and fill_value=) to use jnp.{name} inside jit "
            "or another transformation."
        )
    return int(value)


def _require_concrete(name: str, *xs) -> None:
    for x in xs:
        if isinstance(x, Tracer) and core.concrete_value(x) is None:
            _concrete_count(x, name)


def _static_size(size) -> int | None:
    return None if size is None else operator.index(size)


def _sorted_groups(arr, equal_nan: bool = True):
    """(sorted values, the stable sorting permutation, mask of the first
    element of each run of equal values) of a non-empty 1-D array."""
    perm = argsort(arr)
    srt = _n.take(arr, perm)
    differs = srt[1:] != srt[:-1]
    if equal_nan and dtypes.is_inexact(aval_of(arr).dtype):
        differs = differs & ~(_n.isnan(srt[1:]) & _n.isnan(srt[:-1]))
    return srt, perm, _n.concatenate([_n.ones((1,), np.bool_), differs])


def _compact(values, keep, size: int):
    """The kept values moved to the front, `size` of them: (values, the
    positions they came from, which of the `size` slots are real, count)."""
    count = _n.sum(keep.astype(np.int32))
    if not size:  # (nonzero cannot scatter into an empty result)
        empty = _n.zeros((0,), np.int32)
        return _n.zeros((0,), aval_of(values).dtype), empty, empty.astype(np.bool_), count
    pos = _n.nonzero(keep, size=size)[0]
    valid = _n.arange(size, dtype=np.int32) < count
    return _n.take(values, pos), pos, valid, count


def _pad_default(out, valid):
    """JAX's padding when no fill_value is given: the smallest result (NaN
    when a NaN is among them), or 0 when there is none."""
    if not aval_of(out).shape[0]:
        return out
    v = _n.where(valid, out, _n.zeros((), aval_of(out).dtype))
    v = _n.where(valid, v, _n.max(v))
    return _n.where(valid, v, _n.min(v))


def isin(
    element: ArrayLike,
    test_elements: ArrayLike,
    assume_unique: bool = False,
    invert: bool = False,
    *,
    method="auto",
) -> Array:
    """Whether each element of `element` is in `test_elements` (numpy.isin)."""
    element, test_elements = ensure_arraylike("isin", element, test_elements)
    shape = aval_of(element).shape
    if method not in _ISIN_METHODS:
        raise ValueError(
            f"{method=} is not implemented; options are "
            "'compare_all', 'binary_search', 'sort', and 'auto'"
        )
    a, b = _n._promote_dtypes(element, test_elements)
    a, b = _n.ravel(a), _n.ravel(b)
    if not _size_of(a) or not _size_of(b):
        return _n.full(shape, builtins.bool(invert), np.bool_)
    if method in ("auto", "compare_all"):
        found = _n.any(a[:, None] == b[None, :], axis=-1)
    else:  # both search a sorted copy of the test elements
        from mlax._src.numpy_statistics import searchsorted

        srt = jnp_sort(b)
        pos = _n.minimum(searchsorted(srt, a), _size_of(b) - 1)
        found = _n.take(srt, pos) == a
    return _n.reshape(~found if invert else found, shape)


def setdiff1d(
    ar1: ArrayLike,
    ar2: ArrayLike,
    assume_unique: bool = False,
    *,
    size: int | None = None,
    fill_value: ArrayLike | None = None,
) -> Array:
    """The sorted unique values of ar1 not in ar2 (in ar1's order when
    assume_unique); with `size`, padded with fill_value (default 0)."""
    arr1, arr2 = ensure_arraylike("setdiff1d", ar1, ar2)
    arr1, arr2 = _n.ravel(arr1), _n.ravel(arr2)
    size = _static_size(size)
    if size is None:
        _require_concrete("setdiff1d", arr1)
    dt = aval_of(arr1).dtype
    fill = _n.full((), 0 if fill_value is None else fill_value, dt)
    if not _size_of(arr1):
        return _n.full((size or 0,), fill, dt)
    if assume_unique:
        vals, keep = arr1, _n.ones(aval_of(arr1).shape, np.bool_)
    else:
        vals, _, keep = _sorted_groups(arr1)
    keep = keep & isin(vals, arr2, invert=True)
    if size is None:
        size = _concrete_count(_n.sum(keep), "setdiff1d")
    out, _, valid, _ = _compact(vals, keep, size)
    return _n.where(valid, out, fill)


def union1d(
    ar1: ArrayLike, ar2: ArrayLike, *, size: int | None = None, fill_value: ArrayLike | None = None
) -> Array:
    """The sorted unique values in either array (numpy.union1d)."""
    ar1, ar2 = ensure_arraylike("union1d", ar1, ar2)
    size = _static_size(size)
    if size is None:
        _require_concrete("union1d", ar1, ar2)
    return unique(_n.concatenate((ar1, ar2), axis=None), size=size, fill_value=fill_value)


def setxor1d(
    ar1: ArrayLike,
    ar2: ArrayLike,
    assume_unique: bool = False,
    *,
    size: int | None = None,
    fill_value: ArrayLike | None = None,
) -> Array:
    """The sorted values found in exactly one of the arrays (numpy.setxor1d)."""
    ar1, ar2 = ensure_arraylike("setxor1d", ar1, ar2)
    arr1, arr2 = _n._promote_dtypes(_n.ravel(ar1), _n.ravel(ar2))
    size = _static_size(size)
    dt = aval_of(arr1).dtype
    if not _size_of(arr1) and not _size_of(arr2):
        return _n.where(
            _n.zeros((size or 0,), np.bool_),
            _n.zeros((size or 0,), dt),
            0 if fill_value is None else fill_value,
        )
    parts, keeps = [], []
    for a, other in ((arr1, arr2), (arr2, arr1)):
        if not _size_of(a):
            continue
        if assume_unique:
            s, k = a, _n.ones(aval_of(a).shape, np.bool_)
        else:
            s, _, k = _sorted_groups(a)
        parts.append(s)
        keeps.append(k & isin(s, other, invert=True))
    vals, keep = _n.concatenate(parts), _n.concatenate(keeps)
    order = lexsort((vals, ~keep))  # the kept values first, in sorted order
    vals, keep = _n.take(vals, order), _n.take(keep, order)
    if size is None:
        size = _concrete_count(_n.sum(keep), "setxor1d")
    out, _, valid, _ = _compact(vals, keep, size)
    return _pad_default(out, valid) if fill_value is None else _n.where(valid, out, fill_value)


def intersect1d(
    ar1: ArrayLike,
    ar2: ArrayLike,
    assume_unique: bool = False,
    return_indices: bool = False,
    *,
    size: int | None = None,
    fill_value: ArrayLike | None = None,
) -> Array | tuple[Array, Array, Array]:
    """The sorted unique values in both arrays; with return_indices, also
    where each first occurs in the flattened ar1 and ar2. With `size`,
    padded with fill_value (default: the smallest result, or 0) and the
    out-of-bound indices ar1.size / ar2.size."""
    ar1, ar2 = ensure_arraylike("intersect1d", ar1, ar2)
    arr1, arr2 = _n._promote_dtypes(ar1, ar2)
    arr1, arr2 = _n.ravel(arr1), _n.ravel(arr2)
    size = _static_size(size)
    dt, idt = aval_of(arr1).dtype, _idx_dtype()
    n1, n2 = _size_of(arr1), _size_of(arr2)
    if not n1 or not n2:
        k = size or 0
        vals = _n.where(
            _n.zeros((k,), np.bool_), _n.zeros((k,), dt), 0 if fill_value is None else fill_value
        )
        if return_indices:
            return vals, _n.full((k,), n1, idt), _n.full((k,), n2, idt)
        return vals
    if assume_unique:
        perm1 = argsort(arr1)
        s1, keep = _n.take(arr1, perm1), _n.ones((n1,), np.bool_)
    else:
        s1, perm1, keep = _sorted_groups(arr1)
    keep = keep & isin(s1, arr2)
    if size is None:
        size = _concrete_count(_n.sum(keep), "intersect1d")
    out, pos, valid, _ = _compact(s1, keep, size)
    vals = _pad_default(out, valid) if fill_value is None else _n.where(valid, out, fill_value)
    if not return_indices:
        return vals
    from mlax._src.numpy_statistics import searchsorted

    idx1 = _n.where(valid, _n.take(perm1, pos).astype(idt), n1)
    perm2 = argsort(arr2)
    s2 = _n.take(arr2, perm2)
    first2 = _n.minimum(searchsorted(s2, out), n2 - 1)  # the first of a stable sort
    idx2 = _n.where(valid, _n.take(perm2, first2).astype(idt), n2)
    return vals, idx1, idx2


class _UniqueAllResult(NamedTuple):
    values: Array
    indices: Array
    inverse_indices: Array
    counts: Array


class _UniqueCountsResult(NamedTuple):
    values: Array
    counts: Array


class _UniqueInverseResult(NamedTuple):
    values: Array
    inverse_indices: Array


def unique_all(
    x: ArrayLike, /, *, size: int | None = None, fill_value: ArrayLike | None = None
) -> _UniqueAllResult:
    """Array-API unique_all: values, first indices, inverse indices (of
    x's shape) and counts; NaNs are not merged."""
    x = ensure_arraylike("unique_all", x)
    values, indices, inverse, counts = unique(
        x,
        return_index=True,
        return_inverse=True,
        return_counts=True,
        equal_nan=False,
        size=size,
        fill_value=fill_value,
    )
    return _UniqueAllResult(values, indices, inverse, counts)


def unique_counts(
    x: ArrayLike, /, *, size: int | None = None, fill_value: ArrayLike | None = None
) -> _UniqueCountsResult:
    """Array-API unique_counts: the unique values and their counts."""
    x = ensure_arraylike("unique_counts", x)
    values, counts = unique(
        x, return_counts=True, equal_nan=False, size=size, fill_value=fill_value
    )
    return _UniqueCountsResult(values, counts)


def unique_inverse(
    x: ArrayLike, /, *, size: int | None = None, fill_value: ArrayLike | None = None
) -> _UniqueInverseResult:
    """Array-API unique_inverse: the unique values and, for each element of
    x, the index of its value among them."""
    x = ensure_arraylike("unique_inverse", x)
    values, inverse = unique(
        x, return_inverse=True, equal_nan=False, size=size, fill_value=fill_value
    )
    return _UniqueInverseResult(values, inverse)


def unique_values(
    x: ArrayLike, /, *, size: int | None = None, fill_value: ArrayLike | None = None
) -> Array:
    """Array-API unique_values: the sorted unique values (NaNs not merged)."""
    x = ensure_arraylike("unique_values", x)
    return unique(x, equal_nan=False, size=size, fill_value=fill_value)


# --------------------------------------------------------------------------
# Splitting, stacking, transposing
# --------------------------------------------------------------------------


def _concrete_int(v, what: str) -> int:
    if isinstance(v, Tracer):
        value = core.concrete_value(v)
        if value is None:
            raise core.ConcretizationTypeError(
                f"Abstract tracer value encountered where a concrete value is expected {what}."
            )
        v = value
    return operator.index(np.asarray(v).item() if isinstance(v, (np.ndarray, Array)) else v)


def _split(op: str, ary, indices_or_sections, axis: int = 0) -> list[Array]:
    ary = ensure_arraylike(op, ary)
    shape = aval_of(ary).shape
    axis = _concrete_int(axis, f"in jax.numpy.{op} argument `axis`")
    length = shape[axis]  # an IndexError for a missing axis, as in JAX
    axis %= len(shape)
    ios = indices_or_sections
    if isinstance(ios, (tuple, list)) or (
        isinstance(ios, (np.ndarray, Array, Tracer)) and len(aval_of(ios).shape) > 0
    ):
        cuts = [_concrete_int(i, f"in jax.numpy.{op} argument 1") for i in ios]
        sizes = list(np.diff([0, *cuts, length]))
        if builtins.any(s < 0 for s in sizes):
            raise ValueError(f"Sizes passed to split must be nonnegative, got {sizes}")
    else:
        sections = _concrete_int(ios, f"in jax.numpy.{op} argument 1")
        part, rest = divmod(length, sections)
        if not rest:
            sizes = [part] * sections
        elif op == "array_split":
            sizes = [part + 1] * rest + [part] * (sections - rest)
        else:
            raise ValueError(f"array split does not result in an equal division: rest is {rest}")
    out, lo = [], 0
    for s in sizes:
        start, limit = [0] * len(shape), list(shape)
        start[axis], limit[axis] = lo, lo + int(s)
        out.append(_lax.slice(ary, start, limit))
        lo += int(s)
    return out


def array_split(
    ary: ArrayLike, indices_or_sections: int | Sequence[int] | ArrayLike, axis: int = 0
) -> list[Array]:
    """split, but an integer section count need not divide the axis: the
    first (length % sections) parts get one element more."""
    return _split("array_split", ary, indices_or_sections, axis=axis)


def vsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int] | ArrayLike) -> list[Array]:
    """split along axis 0."""
    return _split("vsplit", ary, indices_or_sections, axis=0)


def hsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int] | ArrayLike) -> list[Array]:
    """split along axis 1 (axis 0 for 1-D arrays)."""
    a = ensure_arraylike("hsplit", ary)
    return _split("hsplit", a, indices_or_sections, axis=0 if aval_of(a).ndim == 1 else 1)


def dsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int] | ArrayLike) -> list[Array]:
    """split along axis 2."""
    return _split("dsplit", ary, indices_or_sections, axis=2)


def unstack(x: ArrayLike, /, *, axis: int = 0) -> tuple[Array, ...]:
    """The slices of x along `axis`, as a tuple (the inverse of stack)."""
    x = ensure_arraylike("unstack", x)
    shape = aval_of(x).shape
    axis = operator.index(axis)
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {len(shape)}")
    axis %= len(shape)
    out = []
    for i in range(shape[axis]):
        start, limit = [0] * len(shape), list(shape)
        start[axis], limit[axis] = i, i + 1
        out.append(_n.squeeze(_lax.slice(x, start, limit), axis))
    return tuple(out)


def concat(arrays: Sequence[ArrayLike], /, *, axis: int | None = 0) -> Array:
    """Array-API concat: concatenate (arrays and scalars only)."""
    if len(arrays):
        ensure_arraylike("concat", *arrays)
    return _n.concatenate(arrays, axis=axis)


def permute_dims(a: ArrayLike, /, axes: tuple[int, ...]) -> Array:
    """Array-API permute_dims: transpose with the axes required."""
    a = ensure_arraylike("permute_dims", a)
    return _n.transpose(a, tuple(axes))


def matrix_transpose(x: ArrayLike, /) -> Array:
    """Swaps the last two axes (a batch of matrix transposes)."""
    x = ensure_arraylike("matrix_transpose", x)
    ndim = aval_of(x).ndim
    if ndim < 2:
        raise ValueError(f"x must be at least two-dimensional for matrix_transpose; got {ndim=}")
    return _n.transpose(x, (*range(ndim - 2), ndim - 1, ndim - 2))


# --------------------------------------------------------------------------
# Index helpers
# --------------------------------------------------------------------------


def diag_indices_from(arr: ArrayLike) -> tuple[Array, ...]:
    """diag_indices for the (equal-sided, at least 2-d) shape of arr."""
    arr = ensure_arraylike("diag_indices_from", arr)
    shape = aval_of(arr).shape
    if len(shape) < 2:
        raise ValueError("input array must be at least 2-d")
    if len(set(shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    return diag_indices(shape[0], ndim=len(shape))


def _shape_2d(name: str, arr) -> tuple[int, ...]:
    if not hasattr(arr, "shape"):
        arr = ensure_arraylike(name, arr)
    shape = tuple(arr.shape)
    if len(shape) != 2:
        raise ValueError("Only 2-D inputs are accepted")
    return shape


def tril_indices_from(arr, k: int = 0) -> tuple[Array, Array]:
    """tril_indices for the shape of the 2-D arr."""
    n, m = _shape_2d("tril_indices_from", arr)
    return tril_indices(n, k=k, m=m)


def triu_indices_from(arr, k: int = 0) -> tuple[Array, Array]:
    """triu_indices for the shape of the 2-D arr."""
    n, m = _shape_2d("triu_indices_from", arr)
    return triu_indices(n, k=k, m=m)


def mask_indices(
    n: int, mask_func: Callable[[ArrayLike, int], Array], k: int = 0, *, size: int | None = None
) -> tuple[Array, Array]:
    """The indices where mask_func(ones((n, n)), k) is nonzero."""
    mask = mask_func(_n.ones((n, n)), k)
    size = _static_size(size)
    if size is None and core.concrete_value(mask) is not None:
        size = int(np.count_nonzero(core.concrete_value(mask)))
    if not _size_of(mask) or size == 0:  # (mlax's nonzero cannot scatter into nothing)
        empty = _n.zeros((size or 0,), np.int32)
        return empty, empty
    i, j = _n.nonzero(mask, size=size)
    return i, j


def fill_diagonal(
    a: ArrayLike, val: ArrayLike, wrap: bool = False, *, inplace: bool = True
) -> Array:
    """A copy of a with its main diagonal set to val (repeated or cut to
    fit); as in JAX, inplace=False is required."""
    if inplace:
        raise NotImplementedError("JAX arrays are immutable, must use inplace=False")
    if wrap:
        raise NotImplementedError("wrap=True is not implemented, must use wrap=False")
    a, val = ensure_arraylike("fill_diagonal", a, val)
    shape = aval_of(a).shape
    if len(shape) < 2:
        raise ValueError("array must be at least 2-d")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    n = builtins.min(shape)
    if not n:  # (mlax cannot scatter into an empty array)
        return a
    if aval_of(val).ndim:
        flat = _n.ravel(val)
        if _size_of(flat) < n:
            flat = _n.tile(flat, -(-n // _size_of(flat)))
        val = flat[:n]
    return a.at[diag_indices(n, len(shape))].set(val)


def diagflat(v: ArrayLike, k: int = 0) -> Array:
    """The 2-D array with the flattened v on diagonal k."""
    v = ensure_arraylike("diagflat", v)
    k = operator.index(k)
    if not _size_of(v):  # (mlax cannot scatter an empty update)
        return _n.zeros((builtins.abs(k),) * 2, aval_of(v).dtype)
    return _n.diag(_n.ravel(v), k)


class _AxisConcat:
    """r_ / c_: concatenate slices (a complex step counts linspace points),
    scalars and arrays along an axis, after an optional string directive
    'axis,ndmin,trans1d' (or 'r' / 'c' for a row / column matrix)."""

    axis: int
    ndmin: int
    trans1d: int
    op_name: str

    def __getitem__(self, key) -> Array:
        items = key if isinstance(key, tuple) else (key,)
        params = [self.axis, self.ndmin, self.trans1d, -1]
        if items and isinstance(items[0], str):
            directive, items = items[0], items[1:]
            if directive == "r":
                params[-1] = 0
            elif directive == "c":
                params[-1] = 1
            else:
                vec: list[Any] = directive.split(",")
                vec = vec + params[len(vec) :] if len(vec) < 4 else vec[:3] + [params[-1]]
                try:
                    params = [int(p) for p in vec]
                except ValueError as err:
                    raise ValueError(f"could not understand directive {directive!r}") from err
        axis, ndmin, trans1d, matrix = params
        parts = []
        for item in items:
            if isinstance(item, slice):
                obj, item_ndim = _grid_1d(item), 0
            elif isinstance(item, str):
                raise ValueError("string directive must be placed at the beginning")
            else:
                obj = _n.array(item, copy=False)
                item_ndim = aval_of(obj).ndim
            obj = _n.array(obj, copy=False, ndmin=ndmin)
            if trans1d != -1 and ndmin - item_ndim > 0:
                order = tuple(range(ndmin))
                shift = ndmin - builtins.abs(ndmin + trans1d + 1) % ndmin
                obj = _n.transpose(obj, order[shift:] + order[:shift])
            parts.append(obj)
        if not parts:
            raise IndexError("tuple index out of range")
        out = _n.concatenate(tuple(parts), axis=axis)
        if matrix != -1 and aval_of(out).ndim == 1:
            out = _n.expand_dims(out, matrix)
        return out

    def __len__(self) -> int:
        return 0


class RClass(_AxisConcat):
    """r_[...]: concatenation along the first axis."""

    axis, ndmin, trans1d, op_name = 0, 1, -1, "r_"


class CClass(_AxisConcat):
    """c_[...]: concatenation along the last axis, 1-D pieces as columns."""

    axis, ndmin, trans1d, op_name = -1, 2, 0, "c_"


r_ = RClass()
c_ = CClass()
s_ = np.s_
index_exp = np.index_exp


# --------------------------------------------------------------------------
# dtype queries
# --------------------------------------------------------------------------


def _ml(*names):
    return [np.dtype(getattr(ml_dtypes, n)) for n in names if hasattr(ml_dtypes, n)]


_SIGNED = {*_ml("int1", "int2", "int4"), *map(np.dtype, (np.int8, np.int16, np.int32, np.int64))}
_UNSIGNED = {
    *_ml("uint1", "uint2", "uint4"),
    *map(np.dtype, (np.uint8, np.uint16, np.uint32, np.uint64)),
}
_FLOATS = {
    *_ml(
        "float4_e2m1fn",
        "float6_e2m3fn",
        "float6_e3m2fn",
        "float8_e3m4",
        "float8_e4m3",
        "float8_e8m0fnu",
        "float8_e4m3b11fnuz",
        "float8_e4m3fn",
        "float8_e4m3fnuz",
        "float8_e5m2",
        "float8_e5m2fnuz",
    ),
    dtypes.bfloat16,
    *map(np.dtype, (np.float16, np.float32, np.float64)),
}
_COMPLEX = {np.dtype(np.complex64), np.dtype(np.complex128)}
_DTYPE_KINDS = {
    "bool": {np.dtype(np.bool_)},
    "signed integer": _SIGNED,
    "unsigned integer": _UNSIGNED,
    "integral": _SIGNED | _UNSIGNED,
    "real floating": _FLOATS,
    "complex floating": _COMPLEX,
    "numeric": _SIGNED | _UNSIGNED | _FLOATS | _COMPLEX,
}


def isdtype(dtype, kind) -> builtins.bool:
    """Array-API isdtype: whether dtype is of `kind`, a kind name ('bool',
    'signed integer', 'unsigned integer', 'integral', 'real floating',
    'complex floating', 'numeric'), a dtype, or a tuple of these."""
    the_dtype = np.dtype(dtype)
    options: set = set()
    for k in kind if isinstance(kind, tuple) else (kind,):
        if isinstance(k, str) and k in _DTYPE_KINDS:
            options |= _DTYPE_KINDS[k]
            continue
        try:
            options.add(np.dtype(k))
        except TypeError as err:
            if isinstance(k, str):
                raise ValueError(
                    f"Unrecognized kind={k!r} expected one of {list(_DTYPE_KINDS)}, "
                    "or a compatible input for jnp.dtype()"
                ) from err
            raise TypeError(
                f"Expected kind to be a dtype, string, or tuple; got kind={k!r}"
            ) from err
    return the_dtype in options


def iscomplexobj(x: Any) -> builtins.bool:
    """Whether x has a complex dtype (or is a complex scalar)."""
    if isinstance(x, (complex, np.complexfloating)):
        return True
    if x is None or isinstance(x, (builtins.bool, int, float, str, np.generic)):
        return False
    try:
        typ = x.dtype.type
    except AttributeError:
        typ = np.asarray(x).dtype.type
    return builtins.bool(np.issubdtype(typ, np.complexfloating))


def isrealobj(x: Any) -> builtins.bool:
    """not iscomplexobj(x)."""
    return not iscomplexobj(x)


def iscomplex(x: ArrayLike) -> Array:
    """Elementwise: whether the imaginary part is nonzero."""
    x = ensure_arraylike("iscomplex", x)
    i = _n.imag(x)
    return i != _n.zeros((), aval_of(i).dtype)


def isreal(x: ArrayLike) -> Array:
    """Elementwise: whether the imaginary part is zero."""
    x = ensure_arraylike("isreal", x)
    i = _n.imag(x)
    return i == _n.zeros((), aval_of(i).dtype)


can_cast = np.can_cast
iterable = np.iterable
ComplexWarning = np.exceptions.ComplexWarning


def get_printoptions():
    """numpy.get_printoptions (mlax arrays print through NumPy)."""
    return np.get_printoptions()


def set_printoptions(*args, **kwargs):
    """numpy.set_printoptions (mlax arrays print through NumPy)."""
    return np.set_printoptions(*args, **kwargs)


def printoptions(*args, **kwargs):
    """numpy.printoptions, a context manager (mlax arrays print through NumPy)."""
    return np.printoptions(*args, **kwargs)


# The scalar type names (numpy's classes, as elsewhere in mlax.numpy). Defined
# last: `bool` shadows the builtin in this module, so code above spells
# builtins.bool.
bool = np.bool_  # noqa: A001
bool_ = np.bool_
complex_ = cdouble = np.complex128
csingle = np.complex64
double = float_ = np.float64
single = np.float32
int_ = np.int64
uint = np.uint64
generic = np.generic
number = np.number
integer = np.integer
inexact = np.inexact
floating = np.floating
complexfloating = np.complexfloating
signedinteger = np.signedinteger
unsignedinteger = np.unsignedinteger
character = np.character
flexible = np.flexible
object_ = np.object_
