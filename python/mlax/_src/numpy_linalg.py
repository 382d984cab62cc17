"""mlax.numpy.linalg: JAX's jax.numpy.linalg (names, signatures, return
conventions, dtypes, errors and derivatives) on top of the decompositions
in mlax.lax.linalg (cholesky, triangular_solve, eigh, svd, qr, lu, eig)."""

from __future__ import annotations

import builtins
import math
import operator
from typing import Any, NamedTuple, Sequence

import numpy as np

from mlax._src import dtypes, lax
from mlax._src import numpy_impl as _n
from mlax._src import numpy_manip as _manip
from mlax._src.api import jit
from mlax._src.core import Array, ArrayLike, DTypeLike, aval_of
from mlax._src.custom_derivatives import custom_jvp
from mlax._src.numpy_vectorize import vectorize
from mlax._src.sorting import sort as _lax_sort
from mlax._src.sorting import sort_key_val as _lax_sort_key_val

__all__ = [
    "EigResult",
    "EighResult",
    "QRResult",
    "SVDResult",
    "SlogdetResult",
    "cholesky",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "inv",
    "lstsq",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "matrix_transpose",
    "multi_dot",
    "norm",
    "outer",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "tensordot",
    "tensorinv",
    "tensorsolve",
    "trace",
    "vecdot",
    "vector_norm",
]


def _ll():
    """mlax.lax.linalg, imported when first needed (the decompositions)."""
    from mlax.lax import linalg

    return linalg


# --------------------------------------------------------------------------
# Result types (as jax.numpy.linalg's)
# --------------------------------------------------------------------------


class EighResult(NamedTuple):
    eigenvalues: Array
    eigenvectors: Array


class EigResult(NamedTuple):
    eigenvalues: Array
    eigenvectors: Array


class QRResult(NamedTuple):
    Q: Array
    R: Array


class SlogdetResult(NamedTuple):
    sign: Array
    logabsdet: Array


class SVDResult(NamedTuple):
    U: Array
    S: Array
    Vh: Array


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


_ensure = _n.ensure_arraylike


def _inexact(*xs):
    """jax's promote_dtypes_inexact."""
    xs = _n._promote_dtypes(*xs)
    return [_n._to_inexact(x) for x in xs]


def _shape(x) -> tuple[int, ...]:
    return tuple(aval_of(x).shape)


def _dtype(x) -> np.dtype:
    return np.dtype(aval_of(x).dtype)


def _iscomplex(x) -> bool:
    return dtypes.is_complex(_dtype(x))


def _mT(x: Array) -> Array:
    nd = len(_shape(x))
    return lax.transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def _H(x: Array) -> Array:
    return _n.conjugate(_mT(x))


def _symmetrize(x: Array) -> Array:
    return (x + _H(x)) / 2


def _canon_axis(axis: int, ndim: int) -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


def _check_rank2(name: str, x) -> None:
    """jax.lax.linalg's rank check (a TypeError)."""
    shape = _shape(x)
    if len(shape) < 2:
        raise TypeError(f"Input 0 to {name} must have rank at least 2, but got shape={shape}")


def _check_symmetrizable(x, symmetrize_input: bool) -> None:
    """What jax raises when symmetrizing a non-square or 1-D input."""
    if not symmetrize_input:
        return
    shape = _shape(x)
    if len(shape) < 2:
        raise TypeError(
            "transpose permutation isn't a permutation of operand dimensions, "
            f"got permutation {tuple(range(len(shape) - 2)) + (len(shape) - 1, len(shape) - 2)} "
            f"for operand shape {shape}."
        )
    if shape[-1] != shape[-2]:
        swapped = shape[:-2] + (shape[-1], shape[-2])
        raise TypeError(f"add got incompatible shapes for broadcasting: {shape}, {swapped}.")


def _hi_matmul(a, b):
    return _n.matmul(a, b, precision=lax.Precision.HIGHEST)


def _real_dtype(dt: np.dtype) -> np.dtype:
    return np.dtype(np.finfo(dt).dtype)


# --------------------------------------------------------------------------
# Decompositions
# --------------------------------------------------------------------------


def _cholesky(a, upper, symmetrize_input):
    _check_symmetrizable(a, symmetrize_input)
    (a,) = _inexact(a)
    L = _ll().cholesky(a, symmetrize_input=symmetrize_input)
    return _H(L) if upper else L


_cholesky_jit = jit(_cholesky, static_argnames=("upper", "symmetrize_input"))


def cholesky(a: ArrayLike, *, upper: bool = False, symmetrize_input: bool = True) -> Array:
    """Cholesky factor of a (batched) Hermitian positive definite matrix:
    lower (L @ L^H = a) or, with upper=True, upper (U^H @ U = a); NaNs where
    the factorization fails."""
    a = _ensure("jnp.linalg.cholesky", a)
    return _cholesky_jit(a, upper=upper, symmetrize_input=symmetrize_input)


def _svd(a, full_matrices, compute_uv, hermitian, subset_by_index):
    (a,) = _inexact(a)
    ll = _ll()
    sub = {} if subset_by_index is None else {"subset_by_index": subset_by_index}
    if hermitian:
        _check_symmetrizable(a, True)
        w, v = ll.eigh(a, **sub)  # w: eigenvectors, v: eigenvalues
        s = _n.abs(v)
        nd = len(_shape(s))
        if compute_uv:
            sign = _n.sign(v)
            idxs = lax.broadcasted_iota(np.int32, _shape(s), nd - 1)
            s, idxs, sign = _lax_sort((s, idxs, sign), dimension=-1, num_keys=1)
            s = lax.rev(s, (nd - 1,))
            idxs = lax.rev(idxs, (nd - 1,))
            sign = lax.rev(sign, (nd - 1,))
            u = _manip.take_along_axis(w, _n.broadcast_to(idxs[..., None, :], _shape(w)), axis=-1)
            vh = _H(u * sign[..., None, :].astype(_dtype(u)))
            return SVDResult(u, s, vh)
        return lax.rev(_lax_sort(s, dimension=-1), (nd - 1,))
    _check_rank2("svd", a)
    if compute_uv:
        u, s, vh = ll.svd(a, full_matrices=full_matrices, compute_uv=True, **sub)
        return SVDResult(u, s, vh)
    return ll.svd(a, full_matrices=full_matrices, compute_uv=False, **sub)


_svd_jit = jit(
    _svd, static_argnames=("full_matrices", "compute_uv", "hermitian", "subset_by_index")
)


def svd(
    a: ArrayLike,
    full_matrices: bool = True,
    compute_uv: bool = True,
    hermitian: bool = False,
    subset_by_index: tuple[int, int] | None = None,
) -> Array | SVDResult:
    """Singular value decomposition a = U @ diag(S) @ Vh (SVDResult), or the
    singular values (descending) with compute_uv=False; hermitian=True
    computes it from eigh."""
    a = _ensure("jnp.linalg.svd", a)
    return _svd_jit(
        a,
        full_matrices=full_matrices,
        compute_uv=compute_uv,
        hermitian=hermitian,
        subset_by_index=subset_by_index,
    )


def svdvals(x: ArrayLike, /) -> Array:
    """The singular values of x (descending)."""
    x = _ensure("jnp.linalg.svdvals", x)
    return svd(x, compute_uv=False, hermitian=False)


def _qr(a, mode):
    _check_rank2("geqrf" if mode == "raw" else "qr", a)
    (a,) = _inexact(a)
    ll = _ll()
    if mode == "raw":
        if not hasattr(ll, "geqrf"):
            raise NotImplementedError("qr(mode='raw') needs lax.linalg.geqrf")
        a, taus = ll.geqrf(a)
        return QRResult(_mT(a), taus)
    if mode in ("reduced", "r", "full"):
        full_matrices = False
    elif mode == "complete":
        full_matrices = True
    else:
        raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
    q, r = ll.qr(a, full_matrices=full_matrices)
    if mode == "r":
        return r
    return QRResult(q, r)


_qr_jit = jit(_qr, static_argnames=("mode",))


def qr(a: ArrayLike, mode: str = "reduced") -> Array | QRResult:
    """QR decomposition: QRResult(Q, R) for mode 'reduced' / 'complete'
    ('full' is 'reduced'), R alone for mode 'r'."""
    a = _ensure("jnp.linalg.qr", a)
    return _qr_jit(a, mode=mode)


def _eigh(a, UPLO, symmetrize_input):
    if UPLO is None or UPLO == "L":
        lower = True
    elif UPLO == "U":
        lower = False
    else:
        raise ValueError(f"UPLO must be one of None, 'L', or 'U', got {UPLO}")
    _check_symmetrizable(a, symmetrize_input)
    (a,) = _inexact(a)
    v, w = _ll().eigh(a, lower=lower, symmetrize_input=symmetrize_input)
    return EighResult(w, v)


_eigh_jit = jit(_eigh, static_argnames=("UPLO", "symmetrize_input"))


def eigh(a: ArrayLike, UPLO: str | None = None, symmetrize_input: bool = True) -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of a Hermitian matrix, from
    its lower (UPLO='L' / None) or upper ('U') triangle."""
    a = _ensure("jnp.linalg.eigh", a)
    return _eigh_jit(a, UPLO=UPLO, symmetrize_input=symmetrize_input)


def eigvalsh(a: ArrayLike, UPLO: str | None = "L", *, symmetrize_input: bool = True) -> Array:
    """Eigenvalues (ascending) of a Hermitian matrix."""
    a = _ensure("jnp.linalg.eigvalsh", a)
    return eigh(a, UPLO, symmetrize_input=symmetrize_input)[0]


def eig(a: ArrayLike) -> EigResult:
    """Eigenvalues and right eigenvectors of a general square matrix
    (complex)."""
    a = _ensure("jnp.linalg.eig", a)
    (a,) = _inexact(a)
    w, v = _ll().eig(a, compute_left_eigenvectors=False)
    return EigResult(w, v)


def eigvals(a: ArrayLike) -> Array:
    """Eigenvalues of a general square matrix (complex)."""
    a = _ensure("jnp.linalg.eigvals", a)
    (a,) = _inexact(a)
    return _ll().eig(a, compute_left_eigenvectors=False, compute_right_eigenvectors=False)[0]


# --------------------------------------------------------------------------
# Solving through LU
# --------------------------------------------------------------------------


def _lu_solve_core(lu: Array, permutation: Array, b: Array, trans: int) -> Array:
    """Solves with one (m, m) LU factorization; b is (m,) or (m, k)."""
    ll = _ll()
    m = _shape(lu)[0]
    bshape = _shape(b)
    x = _n.reshape(b, (m, math.prod(bshape[1:])))
    if trans == 0:
        x = _n.take(x, permutation, axis=0)
        x = ll.triangular_solve(lu, x, left_side=True, lower=True, unit_diagonal=True)
        x = ll.triangular_solve(lu, x, left_side=True, lower=False)
    elif trans in (1, 2):
        conj = trans == 2
        x = ll.triangular_solve(
            lu, x, left_side=True, lower=False, transpose_a=True, conjugate_a=conj
        )
        x = ll.triangular_solve(
            lu,
            x,
            left_side=True,
            lower=True,
            unit_diagonal=True,
            transpose_a=True,
            conjugate_a=conj,
        )
        _, ind = _lax_sort_key_val(permutation, lax.iota(np.int32, m))
        x = _n.take(x, ind, axis=0)
    else:
        raise ValueError(f"'trans' value must be 0, 1, or 2, got {trans}")
    return _n.reshape(x, bshape)


@custom_jvp
def _solve_core(a: Array, b: Array) -> Array:
    lu, _, perm = _ll().lu(lax.stop_gradient(a))
    return _lu_solve_core(lu, perm, b, 0)


@_solve_core.defjvp
def _solve_core_jvp(primals, tangents):
    a, b = primals
    da, db = tangents
    lu, _, perm = _ll().lu(lax.stop_gradient(a))
    x = _lu_solve_core(lu, perm, b, 0)
    rhs = db - _n.matmul(da, x)
    return x, _lu_solve_core(lu, perm, rhs, 0)


def _solve(a, b):
    a, b = _inexact(a, b)
    ashape, bshape = _shape(a), _shape(b)
    if len(ashape) < 2:
        raise ValueError(f"left hand array must be at least two dimensional; got a.shape={ashape}")
    if (
        len(bshape) > 1
        and len(ashape) == len(bshape) + 1
        and ashape[-1] == bshape[-1]
        and ashape[-1] != bshape[-2]
    ):
        raise ValueError(
            f"Invalid shapes for solve: {ashape}, {bshape}. Prior to JAX v0.5.0,"
            " this would have been treated as a batched 1-dimensional solve."
            " To recover this behavior, use solve(a, b[..., None]).squeeze(-1)."
        )
    vec = len(bshape) == 1
    if not (
        ashape[-1] == ashape[-2]
        and len(bshape) >= 1
        and (bshape[-1] if vec else bshape[-2]) == ashape[-1]
    ):
        raise ValueError(
            "The arguments to solve must have shapes a=[..., m, m] and "
            f"b=[..., m, k] or b=[..., m]; got a={ashape} and b={bshape}"
        )
    signature = "(m,m),(m)->(m)" if vec else "(m,m),(m,n)->(m,n)"
    return vectorize(_solve_core, signature=signature)(a, b)


_solve_jit = jit(_solve)


def solve(a: ArrayLike, b: ArrayLike) -> Array:
    """Solves a @ x = b for square a (LU with partial pivoting); b is a
    vector (ndim 1) or a (batch of) matrices."""
    a, b = _ensure("jnp.linalg.solve", a, b)
    return _solve_jit(a, b)


def _inv(a):
    shape = _shape(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"Argument to inv must have shape [..., n, n], got {shape}.")
    eye = _n.eye(shape[-1], dtype=_dtype(a))
    return _solve(a, lax.broadcast(eye, shape[:-2]))


_inv_jit = jit(_inv)


def inv(a: ArrayLike) -> Array:
    """The inverse of a (batched) square matrix."""
    a = _ensure("jnp.linalg.inv", a)
    return _inv_jit(a)


# --------------------------------------------------------------------------
# Determinants
# --------------------------------------------------------------------------


def _slogdet_1x1(a):
    det = a[..., 0, 0]
    return _n.sign(det), _n.real(_n.log(_n.abs(det)))


def _slogdet_2x2(a):
    det = a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]
    return _n.sign(det), _n.real(_n.log(_n.abs(det)))


def _slogdet_small_impl(a):
    n = _shape(a)[-1]
    return _slogdet_1x1(a) if n == 1 else _slogdet_2x2(a)


_slogdet_small = custom_jvp(_slogdet_small_impl)


@_slogdet_small.defjvp
def _slogdet_small_jvp(primals, tangents):
    (x,), (g,) = primals, tangents
    n = _shape(x)[-1]
    sign, ans = _slogdet_small(x)
    if n == 1:
        ans_dot = g[..., 0, 0] / x[..., 0, 0]
    else:
        x00, x01, x10, x11 = x[..., 0, 0], x[..., 0, 1], x[..., 1, 0], x[..., 1, 1]
        det = x00 * x11 - x01 * x10
        ans_dot = (
            g[..., 0, 0] * x11 - g[..., 0, 1] * x10 - g[..., 1, 0] * x01 + g[..., 1, 1] * x00
        ) / det
    return _slogdet_tangents(x, sign, ans, ans_dot)


def _slogdet_tangents(x, sign, ans, ans_dot):
    if _iscomplex(x):
        sign_dot = (ans_dot - _n.real(ans_dot).astype(_dtype(ans_dot))) * sign
        ans_dot = _n.real(ans_dot)
    else:
        sign_dot = _n.zeros_like(sign)
    return (sign, ans), (sign_dot, ans_dot)


def _slogdet_lu_impl(a):
    dtype = _dtype(a)
    lu, pivot, _ = _ll().lu(a)
    diag = _n.diagonal(lu, axis1=-2, axis2=-1)
    is_zero = _n.any(diag == _n.array(0, dtype=dtype), axis=-1)
    n = _shape(a)[-1]
    iota = _n.arange(n, dtype=_dtype(pivot))
    parity = _n.sum((pivot != iota).astype(np.int32), axis=-1)
    if _iscomplex(a):
        sign = _n.prod(diag / _n.abs(diag).astype(dtype), axis=-1)
    else:
        sign = _n.array(1, dtype=dtype)
        parity = parity + _n.sum((diag < 0).astype(np.int32), axis=-1)
    sign = _n.where(is_zero, _n.array(0, dtype=dtype), sign * (-2 * (parity % 2) + 1).astype(dtype))
    logdet = _n.where(
        is_zero,
        _n.array(-np.inf, dtype=dtype),
        _n.sum(_n.log(_n.abs(diag)).astype(dtype), axis=-1),
    )
    return sign, _n.real(logdet)


_slogdet_lu = custom_jvp(_slogdet_lu_impl)


@_slogdet_lu.defjvp
def _slogdet_lu_jvp(primals, tangents):
    (x,), (g,) = primals, tangents
    sign, ans = _slogdet_lu(x)
    ans_dot = _n.trace(_solve(x, g), axis1=-1, axis2=-2)
    return _slogdet_tangents(x, sign, ans, ans_dot)


def _slogdet_qr_impl(a):
    if _iscomplex(a):
        raise NotImplementedError("slogdet method='qr' not implemented for complex inputs")
    n = _shape(a)[-1]
    a, taus = _ll().geqrf(a)
    a_diag = _n.diagonal(a, axis1=-2, axis2=-1)
    log_abs_det = _n.sum(_n.log(_n.abs(a_diag)), axis=-1)
    sign_diag = _n.prod(_n.sign(a_diag), axis=-1)
    sign_taus = _n.prod(_n.where(taus[..., : (n - 1)] != 0, -1, 1), axis=-1).astype(
        _dtype(sign_diag)
    )
    return sign_diag * sign_taus, log_abs_det


_slogdet_qr = custom_jvp(_slogdet_qr_impl)


@_slogdet_qr.defjvp
def _slogdet_qr_jvp(primals, tangents):
    (x,), (g,) = primals, tangents
    sign, ans = _slogdet_qr(x)
    ans_dot = _n.trace(_solve(x, g), axis1=-1, axis2=-2)
    return _slogdet_tangents(x, sign, ans, ans_dot)


def _slogdet(a, method):
    (a,) = _inexact(a)
    shape = _shape(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"Argument to slogdet() must have shape [..., n, n], got {shape}")
    if method is None or method == "lu":
        if shape[-1] in (1, 2):
            return SlogdetResult(*_slogdet_small(a))
        return SlogdetResult(*_slogdet_lu(a))
    if method == "qr":
        return SlogdetResult(*_slogdet_qr(a))
    raise ValueError(
        f"Unknown slogdet method '{method}'. Supported methods are 'lu' (`None`), and 'qr'."
    )


_slogdet_jit = jit(_slogdet, static_argnames=("method",))


def slogdet(a: ArrayLike, *, method: str | None = None) -> SlogdetResult:
    """Sign and natural log of the absolute value of the determinant
    (SlogdetResult), through LU."""
    a = _ensure("jnp.linalg.slogdet", a)
    return _slogdet_jit(a, method=method)


def _cofactor_solve(a, b):
    """(det(a), adj(a) @ b) through LU; well defined where a is singular
    (rank n-1), as jax's (used for det's derivative)."""
    ll = _ll()
    (a,) = _inexact(a)
    (b,) = _inexact(b)
    a_shape, b_shape = _shape(a), _shape(b)
    if not (len(a_shape) >= 2 and a_shape[-1] == a_shape[-2] and b_shape[-2:] == a_shape[-2:]):
        raise ValueError(
            "The arguments to _cofactor_solve must have shapes a=[..., m, m] and "
            f"b=[..., m, m]; got a={a_shape} and b={b_shape}"
        )
    m = a_shape[-1]
    if m == 1:
        return a[..., 0, 0], b
    lu, pivots, permutation = ll.lu(a)
    dtype = _dtype(a)
    batch_dims = _manip.broadcast_shapes(_shape(lu)[:-2], b_shape[:-2])
    x = _n.broadcast_to(b, batch_dims + b_shape[-2:])
    lu = _n.broadcast_to(lu, batch_dims + (m, m))
    pivots = _n.broadcast_to(pivots, batch_dims + (m,))
    diag = _n.diagonal(lu, axis1=-2, axis2=-1)
    iota = _n.arange(m, dtype=_dtype(pivots))
    parity = _n.sum((pivots != iota).astype(np.int32), axis=-1)
    sign = (-2 * (parity % 2) + 1).astype(dtype)
    partial_det = _n.cumprod(diag, axis=-1) * sign[..., None]
    lu = lu.at[..., -1, -1].set(1.0 / partial_det[..., -2])
    permutation = _n.broadcast_to(permutation, (*batch_dims, m))
    d = _n.ones(_shape(x)[:-1], dtype)[..., None]
    d = ll.triangular_solve(lu, d, left_side=True, lower=False)[..., 0]
    d = _n.any(_n.isnan(d) | _n.isinf(d), axis=-1)
    d = _n.broadcast_to(d[..., None, None], _shape(x))
    x = _n.where(d, _n.zeros_like(x), x)  # first filter
    x = _manip.take_along_axis(x, _n.broadcast_to(permutation[..., :, None], _shape(x)), axis=-2)
    x = ll.triangular_solve(lu, x, left_side=True, lower=True, unit_diagonal=True)
    x = _n.concatenate((x[..., :-1, :] * partial_det[..., -1, None, None], x[..., -1:, :]), axis=-2)
    x = ll.triangular_solve(lu, x, left_side=True, lower=False)
    x = _n.where(d, _n.zeros_like(x), x)  # second filter
    return partial_det[..., -1], x


def _det_2x2(a):
    return a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]


def _det_3x3(a):
    return (
        a[..., 0, 0] * a[..., 1, 1] * a[..., 2, 2]
        + a[..., 0, 1] * a[..., 1, 2] * a[..., 2, 0]
        + a[..., 0, 2] * a[..., 1, 0] * a[..., 2, 1]
        - a[..., 0, 2] * a[..., 1, 1] * a[..., 2, 0]
        - a[..., 0, 0] * a[..., 1, 2] * a[..., 2, 1]
        - a[..., 0, 1] * a[..., 1, 0] * a[..., 2, 2]
    )


def _det_general_impl(a):
    sign, logdet = _slogdet(a, None)
    return sign * _n.exp(logdet).astype(_dtype(sign))


_det_general = custom_jvp(_det_general_impl)


@_det_general.defjvp
def _det_general_jvp(primals, tangents):
    (x,), (g,) = primals, tangents
    y, z = _cofactor_solve(x, g)
    return y, _n.trace(z, axis1=-1, axis2=-2)


def _det(a):
    (a,) = _inexact(a)
    shape = _shape(a)
    if len(shape) >= 2 and shape[-1] == 2 and shape[-2] == 2:
        return _det_2x2(a)
    if len(shape) >= 2 and shape[-1] == 3 and shape[-2] == 3:
        return _det_3x3(a)
    if len(shape) >= 2 and shape[-1] == shape[-2]:
        return _det_general(a)
    raise ValueError(f"Argument to _det() must have shape [..., n, n], got {shape}")


_det_jit = jit(_det)


def det(a: ArrayLike) -> Array:
    """The determinant of a (batched) square matrix (closed forms for 2x2
    and 3x3, LU otherwise; the derivative is well defined at singular a)."""
    a = _ensure("jnp.linalg.det", a)
    return _det_jit(a)


# --------------------------------------------------------------------------
# Pseudo-inverse, least squares, rank, condition number
# --------------------------------------------------------------------------


def _pinv_impl(a, rtol, hermitian):
    m, n = _shape(a)[-2:]
    if m == 0 or n == 0:
        return _n.zeros(_shape(a)[:-2] + (n, m), _dtype(a))
    arr = _n.conjugate(a)
    u, s, vh = _svd(arr, False, True, hermitian, None)
    rtol = _n.reshape(rtol, _shape(rtol) + (1,) * (len(_shape(s)) - len(_shape(rtol))))
    cutoff = rtol * s[..., 0:1]
    s = _n.where(s > cutoff, s, np.inf).astype(_dtype(u))
    res = _hi_matmul(_mT(vh), _n.divide(_mT(u), s[..., None]))
    return lax.convert_element_type(res, _dtype(arr))


_pinv_core = custom_jvp(_pinv_impl, nondiff_argnums=(2,))


@_pinv_core.defjvp
def _pinv_core_jvp(hermitian, primals, tangents):
    a, rtol = primals
    a_dot = tangents[0]
    p = _pinv_core(a, rtol, hermitian)
    if hermitian:
        a = _symmetrize(a)
        a_dot = _symmetrize(a_dot)
    m, n = _shape(a)[-2:]
    if m >= n:
        s = (p @ _H(p)) @ _H(a_dot)
        t = (_H(a_dot) @ _H(p)) @ p
        p_dot = -(p @ a_dot) @ p + s - (s @ a) @ p + t - (p @ a) @ t
    else:
        s = p @ (_H(p) @ _H(a_dot))
        t = _H(a_dot) @ (_H(p) @ p)
        p_dot = -p @ (a_dot @ p) + s - s @ (a @ p) + t - p @ (a @ t)
    return p, p_dot


def _pinv(a, rtol, hermitian):
    (a,) = _inexact(a)
    rdt = _real_dtype(_dtype(a))
    if rtol is None:
        max_rows_cols = builtins.max(_shape(a)[-2:])
        rtol = _n.asarray(10.0 * max_rows_cols * float(np.finfo(rdt).eps), dtype=rdt)
    else:
        rtol = lax.stop_gradient(_n.asarray(rtol))
        if not dtypes.is_inexact(_dtype(rtol)):
            rtol = rtol.astype(rdt)
    return _pinv_core(a, rtol, hermitian)


_pinv_jit = jit(_pinv, static_argnames=("hermitian",))


def pinv(
    a: ArrayLike,
    rtol: ArrayLike | None = None,
    hermitian: bool = False,
    *,
    rcond: ArrayLike | None = None,
) -> Array:
    """Moore-Penrose pseudo-inverse through the SVD; singular values below
    rtol * max(s) are dropped (default 10 * max(m, n) * eps)."""
    if rcond is not None:
        if rtol is not None:
            raise ValueError("pinv: only one of rtol and rcond may be specified.")
        rtol = rcond
    a = _ensure("jnp.linalg.pinv", a)
    return _pinv_jit(a, rtol, hermitian=hermitian)


def _lstsq(a, b, rcond, numpy_resid):
    a, b = _inexact(a, b)
    if _shape(a)[0] != _shape(b)[0]:
        raise ValueError("Leading dimensions of input arrays must match")
    b_orig_ndim = len(_shape(b))
    if b_orig_ndim == 1:
        b = b[:, None]
    if len(_shape(a)) != 2:
        raise TypeError(f"{len(_shape(a))}-dimensional array given. Array must be two-dimensional")
    if len(_shape(b)) != 2:
        raise TypeError(
            f"{len(_shape(b))}-dimensional array given. Array must be one or two-dimensional"
        )
    m, n = _shape(a)
    dtype = _dtype(a)
    eps = float(np.finfo(dtype).eps)
    if m * n == 0:
        s = _n.zeros(0, dtype=dtype)
        rank = _n.array(0, dtype=dtypes.default_int_dtype())
        x = _n.zeros((n, *_shape(b)[1:]), dtype=dtype)
    else:
        if rcond is None:
            rcond = eps * builtins.max(n, m)
        else:
            rcond = _n.where(_n.asarray(rcond) < 0, eps, rcond)
        u, s, vt = _svd(a, False, True, False, None)
        mask = (s > 0) & (s >= _n.asarray(rcond, dtype=_dtype(s)) * s[0])
        rank = _n.sum(mask)
        safe_s = _n.where(mask, s, 1).astype(dtype)
        s_inv = _n.where(mask, 1 / safe_s, 0)[:, None]
        uTb = _hi_matmul(_H(u), b)
        x = _hi_matmul(_H(vt), s_inv * uTb)
    if numpy_resid and (int(rank) < n or m <= n):
        resid = _n.asarray([])
    else:
        b_estimate = _hi_matmul(a, x)
        resid = norm(b - b_estimate, axis=0) ** 2
    if b_orig_ndim == 1:
        x = _n.ravel(x)
    return x, resid, rank, s


_lstsq_jit = jit(_lstsq, static_argnames=("numpy_resid",))


def lstsq(
    a: ArrayLike, b: ArrayLike, rcond: float | None = None, *, numpy_resid: bool = False
) -> tuple[Array, Array, Array, Array]:
    """Least-squares solution of a @ x = b through the SVD: (x, residuals,
    rank, singular values)."""
    a, b = _ensure("jnp.linalg.lstsq", a, b)
    if numpy_resid:
        return _lstsq(a, b, rcond, True)
    return _lstsq_jit(a, b, rcond, numpy_resid=False)


def _matrix_rank(M, rtol, hermitian):
    (M,) = _inexact(M)
    shape = _shape(M)
    if len(shape) < 2:
        return _n.any(M != 0).astype(np.int32)
    S = _svd(M, False, False, hermitian, None)
    if rtol is None:
        rtol = (
            _n.max(S, axis=-1)
            * np.asarray(builtins.max(shape[-2:])).astype(_dtype(S))
            * np.finfo(_dtype(S)).eps
        )
    rtol = _n.asarray(rtol)
    rtol = _n.expand_dims(rtol, len(_shape(rtol)))
    return _n.sum(S > rtol, axis=-1)


_matrix_rank_jit = jit(_matrix_rank, static_argnames=("hermitian",))


def matrix_rank(
    M: ArrayLike,
    rtol: ArrayLike | None = None,
    *,
    hermitian: bool = False,
    tol: ArrayLike | None = None,
) -> Array:
    """The number of singular values above rtol (default max(s) * max(m, n)
    * eps)."""
    M = _ensure("jnp.linalg.matrix_rank", M)
    if tol is not None:
        if rtol is not None:
            raise ValueError("matrix_rank: only one of tol or rtol may be specified.")
        rtol = tol
    return _matrix_rank_jit(M, rtol, hermitian=hermitian)


def _cond(x, p):
    shape = _shape(x)
    if len(shape) < 2:
        raise ValueError(f"jnp.linalg.cond: input array must be at least 2D; got arr.shape={shape}")
    if shape[-1] == 0 or shape[-2] == 0:
        raise ValueError(f"jnp.linalg.cond: input array must not be empty; got arr.shape={shape}")
    if p is None or p == 2:
        s = _svd(x, True, False, False, None)
        return s[..., 0] / s[..., -1]
    if p == -2:
        s = _svd(x, True, False, False, None)
        r = s[..., -1] / s[..., 0]
    else:
        if shape[-2] != shape[-1]:
            raise ValueError(
                f"jnp.linalg.cond: for p={p}, array must be square; got arr.shape={shape}"
            )
        r = _norm(x, p, (-2, -1), False) * _norm(_inv(x), p, (-2, -1), False)
    return _n.where(_n.isnan(r) & ~_n.any(_n.isnan(x), axis=(-2, -1)), np.inf, r)


_cond_jit = jit(_cond, static_argnames=("p",))


def cond(x: ArrayLike, p=None) -> Array:
    """Condition number of x in the norm p (None / 2 / -2 through the SVD;
    others as norm(x, p) * norm(inv(x), p))."""
    x = _ensure("cond", x)
    return _cond_jit(x, p=p)


# --------------------------------------------------------------------------
# Norms
# --------------------------------------------------------------------------


def _sumsq(x, axis, keepdims):
    return _n.sqrt(_n.sum(_n.real(x * _n.conjugate(x)), axis=axis, keepdims=keepdims))


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or (not isinstance(ord, str) and ord == 2):
        return _sumsq(x, axis, keepdims)
    if isinstance(ord, str):
        msg = f"Invalid order '{ord}' for vector norm."
        if ord == "inf":
            msg += "Use 'jax.numpy.inf' instead."
        if ord == "-inf":
            msg += "Use '-jax.numpy.inf' instead."
        raise ValueError(msg)
    if ord == np.inf:
        return _n.max(_n.abs(x), axis=axis, keepdims=keepdims, initial=0)
    if ord == -np.inf:
        return _n.min(_n.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return _n.sum(x != 0, dtype=_real_dtype(_dtype(x)), axis=axis, keepdims=keepdims)
    if ord == 1:
        return _n.sum(_n.abs(x), axis=axis, keepdims=keepdims)
    abs_x = _n.abs(x)
    rdt = _dtype(abs_x)
    ord_arr = _n.asarray(ord, dtype=rdt)
    ord_inv = _n.asarray(1.0 / np.asarray(ord, dtype=rdt), dtype=rdt)
    out = _n.sum(abs_x**ord_arr, axis=axis, keepdims=keepdims)
    return _n.power(out, ord_inv)


def _norm(x, ord, axis, keepdims):
    (x,) = _inexact(x)
    ndim = len(_shape(x))
    if axis is None:
        if ord is None:
            return _sumsq(x, None, keepdims)
        axis = tuple(range(ndim))
    elif isinstance(axis, tuple):
        axis = tuple(_canon_axis(a, ndim) for a in axis)
    else:
        axis = (_canon_axis(axis, ndim),)
    if len(axis) == 1:
        return _vector_norm(x, 2 if ord is None else ord, axis, keepdims)
    if len(axis) != 2:
        raise ValueError(
            f"Improper number of axes for norm: axis={axis}. Pass one axis to"
            " compute a vector-norm, or two axes to compute a matrix-norm."
        )
    row_axis, col_axis = axis
    if ord is None or ord in ("f", "fro"):
        return _sumsq(x, axis, keepdims)
    if isinstance(ord, str) and ord != "nuc":
        raise ValueError(f"Invalid order '{ord}' for matrix norm.")
    if ord == 1:
        if not keepdims and col_axis > row_axis:
            col_axis -= 1
        return _n.max(
            _n.sum(_n.abs(x), axis=row_axis, keepdims=keepdims),
            axis=col_axis,
            keepdims=keepdims,
            initial=0,
        )
    if ord == -1:
        if not keepdims and col_axis > row_axis:
            col_axis -= 1
        return _n.min(
            _n.sum(_n.abs(x), axis=row_axis, keepdims=keepdims), axis=col_axis, keepdims=keepdims
        )
    if ord == np.inf:
        if not keepdims and row_axis > col_axis:
            row_axis -= 1
        return _n.max(
            _n.sum(_n.abs(x), axis=col_axis, keepdims=keepdims),
            axis=row_axis,
            keepdims=keepdims,
            initial=0,
        )
    if ord == -np.inf:
        if not keepdims and row_axis > col_axis:
            row_axis -= 1
        return _n.min(
            _n.sum(_n.abs(x), axis=col_axis, keepdims=keepdims), axis=row_axis, keepdims=keepdims
        )
    if ord in ("nuc", 2, -2):
        x = _n.moveaxis(x, axis, (-2, -1))
        s = _svd(x, True, False, False, None)
        if ord == 2:
            y = _n.max(s, axis=-1, initial=0)
        elif ord == -2:
            y = _n.min(s, axis=-1)
        else:
            y = _n.sum(s, axis=-1)
        if keepdims:
            y = _n.expand_dims(y, axis)
        return y
    raise ValueError(f"Invalid order '{ord}' for matrix norm.")


_norm_jit = jit(_norm, static_argnames=("ord", "axis", "keepdims"))


def norm(
    x: ArrayLike,
    ord: int | str | None = None,
    axis: None | tuple[int, ...] | int = None,
    keepdims: bool = False,
) -> Array:
    """Vector (one axis) or matrix (two axes) norm of order `ord`: None / 2,
    inf, -inf, 0, 1, any p for vectors; 'fro', 'nuc', 1, -1, 2, -2, inf,
    -inf for matrices."""
    x = _ensure("jnp.linalg.norm", x)
    if isinstance(axis, list):
        raise TypeError("unhashable type: 'list'")
    return _norm_jit(x, ord=ord, axis=axis, keepdims=keepdims)


def vector_norm(
    x: ArrayLike,
    /,
    *,
    axis: int | tuple[int, ...] | None = None,
    keepdims: bool = False,
    ord: int | str = 2,
) -> Array:
    """The vector norm over `axis` (all axes by default) of x."""
    x = _ensure("jnp.linalg.vector_norm", x)
    return _vector_norm(x, ord, axis, keepdims)


def matrix_norm(x: ArrayLike, /, *, keepdims: bool = False, ord: str | int = "fro") -> Array:
    """The matrix norm over the last two axes of x."""
    x = _ensure("jnp.linalg.matrix_norm", x)
    return norm(x, ord=ord, keepdims=keepdims, axis=(-2, -1))


# --------------------------------------------------------------------------
# Products and array-API names
# --------------------------------------------------------------------------


def matrix_power(a: ArrayLike, n: int) -> Array:
    """a raised to the integer power n by repeated squaring (inverse first
    for negative n)."""
    arr = _ensure("jnp.linalg.matrix_power", a)
    shape = _shape(arr)
    if len(shape) < 2:
        raise TypeError(
            f"{len(shape)}-dimensional array given. Array must be at least two-dimensional"
        )
    if shape[-2] != shape[-1]:
        raise TypeError("Last 2 dimensions of the array must be square")
    try:
        n = operator.index(n)
    except TypeError as err:
        raise TypeError(f"exponent must be an integer, got {n}") from err
    return _matrix_power_jit(arr, n=n)


def _matrix_power(arr, n):
    if n == 0:
        return _n.broadcast_to(_n.eye(_shape(arr)[-2], dtype=_dtype(arr)), _shape(arr))
    if n < 0:
        arr = _inv(arr)
        n = builtins.abs(n)
    if n == 1:
        return arr
    if n == 2:
        return arr @ arr
    if n == 3:
        return (arr @ arr) @ arr
    z = result = None
    while n > 0:
        z = arr if z is None else (z @ z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else (result @ z)
    return result


_matrix_power_jit = jit(_matrix_power, static_argnames=("n",))


def matrix_transpose(x: ArrayLike, /) -> Array:
    """Swaps the last two axes of x."""
    x = _ensure("jnp.linalg.matrix_transpose", x)
    ndim = len(_shape(x))
    if ndim < 2:
        raise ValueError(f"matrix_transpose requires at least 2 dimensions; got ndim={ndim}")
    return _mT(x)


def cross(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Array:
    """Cross product of (arrays of) 3-vectors along `axis`."""
    x1, x2 = _ensure("jnp.linalg.outer", x1, x2)
    if _shape(x1)[axis] != 3 or _shape(x2)[axis] != 3:
        raise ValueError(
            "Both input arrays must be (arrays of) 3-dimensional vectors, "
            f"but they have x1.shape[axis]={_shape(x1)[axis]} and "
            f"x2.shape[axis]={_shape(x2)[axis]}"
        )
    return _manip.cross(x1, x2, axis=axis)


def outer(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """Outer product of two vectors."""
    x1, x2 = _ensure("jnp.linalg.outer", x1, x2)
    if len(_shape(x1)) != 1 or len(_shape(x2)) != 1:
        raise ValueError(
            "Input arrays must be one-dimensional, but they are "
            f"x1.ndim={len(_shape(x1))} x2.ndim={len(_shape(x2))}"
        )
    return x1[:, None] * x2[None, :]


def vecdot(
    x1: ArrayLike,
    x2: ArrayLike,
    /,
    *,
    axis: int = -1,
    precision: Any = None,
    preferred_element_type: DTypeLike | None = None,
) -> Array:
    """Conjugate-linear dot product of vectors along `axis` (broadcasting)."""
    x1, x2 = _ensure("jnp.linalg.vecdot", x1, x2)
    if _shape(x1)[axis] != _shape(x2)[axis]:
        raise ValueError(
            f"axes must match; got shapes {_shape(x1)} and {_shape(x2)} with axis={axis}"
        )
    x1 = _n.moveaxis(x1, axis, -1)
    x2 = _n.moveaxis(x2, axis, -1)

    def _vdot(a, b):
        return _n.vdot(a, b, precision=precision, preferred_element_type=preferred_element_type)

    return vectorize(_vdot, signature="(n),(n)->()")(x1, x2)


def matmul(
    x1: ArrayLike,
    x2: ArrayLike,
    /,
    *,
    precision: Any = None,
    preferred_element_type: DTypeLike | None = None,
) -> Array:
    """Matrix product (jnp.matmul)."""
    x1, x2 = _ensure("jnp.linalg.matmul", x1, x2)
    return _n.matmul(x1, x2, precision=precision, preferred_element_type=preferred_element_type)


def tensordot(
    x1: ArrayLike,
    x2: ArrayLike,
    /,
    *,
    axes: int | tuple[Sequence[int], Sequence[int]] = 2,
    precision: Any = None,
    preferred_element_type: DTypeLike | None = None,
) -> Array:
    """Tensor contraction over `axes` (jnp.tensordot)."""
    x1, x2 = _ensure("jnp.linalg.tensordot", x1, x2)
    return _n.tensordot(
        x1, x2, axes=axes, precision=precision, preferred_element_type=preferred_element_type
    )


def trace(x: ArrayLike, /, *, offset: int = 0, dtype: DTypeLike | None = None) -> Array:
    """Sum of the diagonal of the last two axes."""
    x = _ensure("jnp.linalg.trace", x)
    return _n.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)


def diagonal(x: ArrayLike, /, *, offset: int = 0) -> Array:
    """The diagonal of the last two axes."""
    x = _ensure("jnp.linalg.diagonal", x)
    return _n.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def tensorinv(a: ArrayLike, ind: int = 2) -> Array:
    """The inverse of a with respect to tensordot over its first `ind`
    axes."""
    arr = _ensure("tensorinv", a)
    ind = operator.index(ind)
    if ind <= 0:
        raise ValueError(f"ind must be a positive integer; got ind={ind}")
    shape = _shape(arr)
    contracting_shape, batch_shape = shape[:ind], shape[ind:]
    flatshape = (math.prod(contracting_shape), math.prod(batch_shape))
    if flatshape[0] != flatshape[1]:
        raise ValueError(
            "tensorinv is only possible when the product of the first"
            " `ind` dimensions equals that of the remaining dimensions."
            f" got arr.shape={shape} with ind={ind}."
        )
    return _n.reshape(inv(_n.reshape(arr, flatshape)), (*batch_shape, *contracting_shape))


def tensorsolve(a: ArrayLike, b: ArrayLike, axes: tuple[int, ...] | None = None) -> Array:
    """Solves tensordot(a, x, x.ndim) = b for x."""
    a_arr, b_arr = _ensure("tensorsolve", a, b)
    if axes is not None:
        a_arr = _n.moveaxis(a_arr, axes, len(axes) * (len(_shape(a_arr)) - 1,))
    bshape = _shape(b_arr)
    ashape = _shape(a_arr)
    out_shape = ashape[len(bshape) :]
    if ashape[: len(bshape)] != bshape:
        raise ValueError(
            "After moving axes to end, leading shape of a must match shape of b."
            f" got a.shape={ashape}, b.shape={bshape}"
        )
    bsize = math.prod(bshape)
    if bsize != math.prod(out_shape):
        raise ValueError(
            "Input arrays must have prod(a.shape[:b.ndim]) == prod(a.shape[b.ndim:]);"
            f" got a.shape={ashape}, b.ndim={len(bshape)}."
        )
    a_arr = _n.reshape(a_arr, (bsize, math.prod(out_shape)))
    return _n.reshape(solve(a_arr, _n.ravel(b_arr)), out_shape)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def multi_dot(arrays: Sequence[ArrayLike], *, precision: Any = None) -> Array:
    """The product of a chain of matrices (first and last may be vectors),
    contracted in an efficient order."""
    arrs = list(arrays)
    if len(arrs) < 2:
        raise ValueError(f"multi_dot requires at least two arrays; got len(arrays)={len(arrs)}")
    arrs = [_ensure("jnp.linalg.multi_dot", x) for x in arrs]
    shapes = [_shape(a) for a in arrs]
    if not (
        len(shapes[0]) in (1, 2)
        and len(shapes[-1]) in (1, 2)
        and all(len(s) == 2 for s in shapes[1:-1])
    ):
        raise ValueError(
            "multi_dot: input arrays must all be two-dimensional, except for"
            " the first and last array which may be 1 or 2 dimensional."
            f" Got array shapes {shapes}"
        )
    if any(s[-1] != t[0] for s, t in zip(shapes[:-1], shapes[1:])):
        raise ValueError(
            "multi_dot: last dimension of each array must match first dimension"
            f" of following array. Got array shapes {shapes}"
        )
    if len(arrs) + 1 > len(_LETTERS):
        out = arrs[0]
        for a in arrs[1:]:
            out = _n.matmul(out, a, precision=precision)
        return out
    subs = [_LETTERS[i] + _LETTERS[i + 1] for i in range(len(arrs))]
    if len(shapes[0]) == 1:
        subs[0] = subs[0][1:]
    if len(shapes[-1]) == 1:
        subs[-1] = subs[-1][:1]
    out = (subs[0][:1] if len(shapes[0]) == 2 else "") + (
        subs[-1][-1:] if len(shapes[-1]) == 2 else ""
    )
    return _n.einsum(",".join(subs) + "->" + out, *arrs, optimize="auto", precision=precision)
