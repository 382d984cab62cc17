"""mlax.numpy's array creation beyond the basics: empty, tri/tril/triu,
meshgrid, mgrid/ogrid, indices, ix_, logspace/geomspace, vander and the
static index helpers (diag_indices, tril_indices, triu_indices)."""

from __future__ import annotations

import builtins
import operator
from typing import Any, Sequence

import numpy as np

from mlax._src import core, dtypes, lax
from mlax._src import numpy_impl as _n
from mlax._src.core import Array, ArrayLike, DTypeLike, Shape, aval_of

newaxis = None


def _arr(x):
    return _n.asarray(x) if not _n._is_array(x) else x


def empty(shape: Shape, dtype: DTypeLike | None = None, *, device: Any = None) -> Array:
    """An array of the shape (zeros: XLA has no uninitialized memory)."""
    return _n.zeros(shape, dtype)


def empty_like(
    prototype: ArrayLike, dtype: DTypeLike | None = None, shape: Any = None, *, device: Any = None
) -> Array:
    a = aval_of(_arr(prototype))
    return _n.zeros(a.shape if shape is None else shape, a.dtype if dtype is None else dtype)


def copy(a: ArrayLike, order: str | None = None) -> Array:
    return _n.array(a, copy=True)


def tri(N: int, M: int | None = None, k: int = 0, dtype: DTypeLike | None = None) -> Array:
    """Ones at and below diagonal k of an N x M matrix."""
    N = operator.index(N)
    M = N if M is None else operator.index(M)
    rows = lax.broadcasted_iota(np.int32, (N, M), 0)
    cols = lax.broadcasted_iota(np.int32, (N, M), 1)
    mask = lax.ge(lax.add(rows, _n.full((N, M), k, np.int32)), cols)
    return _n.astype(mask, dtypes.default_float_dtype() if dtype is None else dtype)


def _tri_mask(m, k, name):
    a = aval_of(m)
    if a.ndim < 2:
        raise ValueError(f"Argument to jax.numpy.{name} must be at least 2D")
    n, mm = a.shape[-2:]
    return _n.broadcast_to(tri(n, mm, k, np.bool_), a.shape)


def tril(m: ArrayLike, k: int = 0) -> Array:
    m = _arr(m)
    return _n.where(_tri_mask(m, k, "tril"), m, _n.zeros_like(m))


def triu(m: ArrayLike, k: int = 0) -> Array:
    m = _arr(m)
    return _n.where(_tri_mask(m, k - 1, "triu"), _n.zeros_like(m), m)


def meshgrid(
    *xi: ArrayLike, copy: bool = True, sparse: bool = False, indexing: str = "xy"
) -> list[Array]:
    args = [_arr(x) for x in xi]
    if not copy:
        raise ValueError("jax.numpy.meshgrid only supports copy=True")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Valid values for indexing are 'xy' and 'ij', got {indexing}")
    if builtins.any(a.ndim != 1 for a in args):
        raise ValueError(
            f"Arguments to jax.numpy.meshgrid must be 1D, got shapes {[a.shape for a in args]}"
        )
    if indexing == "xy" and len(args) >= 2:
        args[0], args[1] = args[1], args[0]
    shape = [1 if sparse else a.shape[0] for a in args]
    out = []
    for i, a in enumerate(args):
        s = [*shape[:i], a.shape[0], *shape[i + 1 :]] if sparse else shape
        out.append(lax.broadcast_in_dim(a, tuple(s), (i,)))
    if indexing == "xy" and len(args) >= 2:
        out[0], out[1] = out[1], out[0]
    return out


def _grid_1d(s: slice) -> Array:
    start = s.start or 0
    step = s.step or 1
    if np.iscomplex(step):
        return _n.linspace(start, s.stop, int(builtins.abs(step)))
    return _n.arange(start, s.stop, step)


class _Mgrid:
    """mgrid[a:b:s, ...]: the dense grid (a complex step is a point count)."""

    def __getitem__(self, key):
        if isinstance(key, slice):
            return _grid_1d(key)
        grids = _n._promote_dtypes(*[_grid_1d(k) for k in key])
        if not grids:
            return _n.arange(0)
        return _n.stack(meshgrid(*grids, indexing="ij"), 0)


class _Ogrid:
    """ogrid[a:b:s, ...]: the open (sparse) grid."""

    def __getitem__(self, key):
        if isinstance(key, slice):
            return _grid_1d(key)
        grids = _n._promote_dtypes(*[_grid_1d(k) for k in key])
        return meshgrid(*grids, indexing="ij", sparse=True)


mgrid = _Mgrid()
ogrid = _Ogrid()


def indices(
    dimensions: Sequence[int], dtype: DTypeLike | None = None, sparse: bool = False
) -> Array | tuple[Array, ...]:
    dtype = dtypes.canonicalize_dtype(dtypes.default_int_dtype() if dtype is None else dtype)
    dims = tuple(operator.index(d) for d in dimensions)
    n = len(dims)
    out = []
    for i, d in enumerate(dims):
        s = (1,) * i + (d,) + (1,) * (n - i - 1) if sparse else dims
        out.append(lax.broadcasted_iota(dtype, s, i))
    if sparse:
        return tuple(out)
    return _n.stack(out, 0) if out else _n.zeros((0,), dtype)


def ix_(*args: ArrayLike) -> tuple[Array, ...]:
    args = [_arr(a) for a in args]
    n = len(args)
    out = []
    for i, a in enumerate(args):
        if a.ndim != 1:
            raise ValueError(
                f"Arguments to jax.numpy.ix_ must be 1-dimensional, got shape {a.shape}"
            )
        if a.dtype == np.bool_:
            raise NotImplementedError("Boolean arguments to jax.numpy.ix_ are not implemented")
        shape = [1] * n
        shape[i] = a.shape[0]
        if a.shape[0] == 0:
            out.append(_n.zeros(tuple(shape), dtypes.default_int_dtype()))
        else:
            out.append(lax.broadcast_in_dim(a, tuple(shape), (i,)))
    return tuple(out)


def _to_inexact_dtype(dt):
    dt = np.dtype(dt)
    return dt if dtypes.is_inexact(dt) else np.dtype(dtypes.default_float_dtype())


def _space_dtypes(name, start, stop, dtype):
    from mlax._src.numpy_info import result_type

    if dtype is None:
        dtype = _to_inexact_dtype(result_type(start, stop))
    else:
        dtype = dtypes.canonicalize_dtype(dtype)
    return dtype, _to_inexact_dtype(dtype)


def logspace(
    start: ArrayLike,
    stop: ArrayLike,
    num: int = 50,
    endpoint: bool = True,
    base: ArrayLike = 10.0,
    dtype: DTypeLike | None = None,
    axis: int = 0,
) -> Array:
    """base ** linspace(start, stop, num)."""
    num, axis = operator.index(num), operator.index(axis)
    dtype, comp = _space_dtypes("logspace", start, stop, dtype)
    start = _n.astype(_arr(start), comp)
    stop = _n.astype(_arr(stop), comp)
    lin = _n.linspace(start, stop, num, endpoint=endpoint, axis=axis)
    return lax.convert_element_type(_n.power(base, lin), dtype)


def geomspace(
    start: ArrayLike,
    stop: ArrayLike,
    num: int = 50,
    endpoint: bool = True,
    dtype: DTypeLike | None = None,
    axis: int = 0,
) -> Array:
    """Numbers spaced evenly on a log scale from start to stop."""
    from mlax._src.numpy_math import log10

    num, axis = operator.index(num), operator.index(axis)
    dtype, comp = _space_dtypes("geomspace", start, stop, dtype)
    start = _n.astype(_arr(start), comp)
    stop = _n.astype(_arr(stop), comp)
    sign = _n.sign(start)
    res = _n.multiply(
        sign,
        logspace(
            log10(_n.true_divide(start, sign)),
            log10(_n.true_divide(stop, sign)),
            num,
            endpoint=endpoint,
            base=10.0,
            dtype=comp,
            axis=0,
        ),
    )
    axis = _n._canonical_axis(axis, res.ndim)
    if axis != 0:
        res = lax.transpose(res, (*range(1, axis + 1), 0, *range(axis + 1, res.ndim)))
    return lax.convert_element_type(res, dtype)


def vander(x: ArrayLike, N: int | None = None, increasing: bool = False) -> Array:
    x = _arr(x)
    if x.ndim != 1:
        raise ValueError("x must be a one-dimensional array")
    N = x.shape[0] if N is None else operator.index(N)
    if N < 0:
        raise ValueError("N must be nonnegative")
    powers = np.arange(N) if increasing else np.arange(N)[::-1]
    return _n.power(_n.reshape(x, (-1, 1)), _n.asarray(powers.astype(x.dtype)))


def _index_arrays(arrays):
    return tuple(
        _n.asarray(np.asarray(a, np.int64), dtype=dtypes.default_int_dtype()) for a in arrays
    )


def diag_indices(n: int, ndim: int = 2) -> tuple[Array, ...]:
    n, ndim = operator.index(n), operator.index(ndim)
    if n < 0:
        raise ValueError(f"n argument to diag_indices must be nonnegative, got {n}")
    if ndim < 0:
        raise ValueError(f"ndim argument to diag_indices must be nonnegative, got {ndim}")
    return (lax.iota(dtypes.default_int_dtype(), n),) * ndim


def tril_indices(n: int, k: int = 0, m: int | None = None) -> tuple[Array, Array]:
    return _index_arrays(np.tril_indices(operator.index(n), operator.index(k), m))


def triu_indices(n: int, k: int = 0, m: int | None = None) -> tuple[Array, Array]:
    return _index_arrays(np.triu_indices(operator.index(n), operator.index(k), m))


def atleast_1d(*arys: ArrayLike) -> Array | list[Array]:
    out = [_n.reshape(a, (1,)) if a.ndim == 0 else a for a in map(_arr, arys)]
    return out[0] if len(out) == 1 else out


def atleast_3d(*arys: ArrayLike) -> Array | list[Array]:
    out = []
    for a in map(_arr, arys):
        if a.ndim == 0:
            a = _n.reshape(a, (1, 1, 1))
        elif a.ndim == 1:
            a = _n.reshape(a, (1, a.shape[0], 1))
        elif a.ndim == 2:
            a = _n.reshape(a, a.shape + (1,))
        out.append(a)
    return out[0] if len(out) == 1 else out


del core
