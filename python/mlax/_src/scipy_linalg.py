"""mlax.scipy.linalg: JAX's jax.scipy.linalg (names, signatures, return
conventions, dtypes, errors and derivatives) on top of mlax.lax.linalg and
mlax.numpy.linalg."""

from __future__ import annotations

import functools
import math
import operator
import warnings
from typing import Any

import numpy as np

from mlax._src import dtypes, lax
from mlax._src import numpy_array_creation as _ac
from mlax._src import numpy_impl as _n
from mlax._src import numpy_info as _info
from mlax._src import numpy_linalg as _nl
from mlax._src import numpy_manip as _manip
from mlax._src import numpy_math as _math
from mlax._src.api import jit
from mlax._src.core import Array, ArrayLike, DTypeLike
from mlax._src.custom_derivatives import custom_jvp
from mlax._src.numpy_linalg import (
    _H,
    _check_rank2,
    _check_symmetrizable,
    _dtype,
    _inexact,
    _ll,
    _mT,
    _shape,
)
from mlax._src.numpy_vectorize import vectorize

__all__ = [
    "block_diag",
    "cho_factor",
    "cho_solve",
    "cholesky",
    "circulant",
    "companion",
    "convolution_matrix",
    "det",
    "dft",
    "eigh",
    "eigh_tridiagonal",
    "expm",
    "expm_frechet",
    "fiedler",
    "fiedler_companion",
    "funm",
    "hadamard",
    "hankel",
    "helmert",
    "hessenberg",
    "hilbert",
    "inv",
    "invhilbert",
    "invpascal",
    "leslie",
    "lu",
    "lu_factor",
    "lu_solve",
    "pascal",
    "polar",
    "qr",
    "qr_multiply",
    "rsf2csf",
    "schur",
    "solve",
    "solve_sylvester",
    "solve_triangular",
    "sqrtm",
    "svd",
    "toeplitz",
]


def _asarray(x):
    return x if _n._is_array(x) else _n.asarray(x)


def _check_arraylike(name: str, *xs):
    for i, x in enumerate(xs):
        if isinstance(x, (list, tuple)):
            raise TypeError(
                f"{name} requires ndarray or scalar arguments, got {type(x)} at position {i}."
            )


# --------------------------------------------------------------------------
# Cholesky
# --------------------------------------------------------------------------


def _cholesky(a, lower):
    (a,) = _inexact(_asarray(a))
    l_ = _ll().cholesky(a if lower else _H(a), symmetrize_input=False)
    return l_ if lower else _H(l_)


_cholesky_jit = jit(_cholesky, static_argnames=("lower",))


def cholesky(
    a: ArrayLike, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> Array:
    """Cholesky factor of a Hermitian positive definite matrix: upper
    (U^H @ U = a) by default, lower with lower=True; only the named triangle
    of a is read."""
    del overwrite_a, check_finite
    a = _asarray(a)
    shape = np.shape(a)
    if len(shape) >= 2 and shape[-1] != shape[-2]:
        raise ValueError(f"The input to cholesky must be a square matrix. Got shape {shape}.")
    return _cholesky_jit(a, lower=lower)


def cho_factor(
    a: ArrayLike, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> tuple[Array, bool]:
    """(cholesky(a, lower), lower), for cho_solve."""
    del overwrite_a, check_finite
    return (cholesky(a, lower=lower), lower)


def _tri_signature(name, a, b):
    if len(_shape(b)) == 1:
        return "(n,n),(n)->(n)"
    if len(_shape(a)) == len(_shape(b)) + 1 and _shape(a)[-1] == _shape(b)[-1]:
        warnings.warn(
            f"jax.scipy.linalg.{name}: batched 1D solves with b.ndim > 1 are "
            "deprecated, and in the future will be treated as a batched 2D solve. "
            f"Use {name}(..., b[..., None]).squeeze(-1) to avoid this warning.",
            category=FutureWarning,
            stacklevel=3,
        )
        return "(n,n),(n)->(n)"
    return "(n,n),(n,k)->(n,k)"


def _tri_solve(a, b, **kw):
    """lax.linalg.triangular_solve with left_side=True, b a vector or
    matrix."""
    vec = len(_shape(b)) == 1
    if vec:
        b = b[:, None]
    x = _ll().triangular_solve(a, b, left_side=True, **kw)
    return x[:, 0] if vec else x


def _cho_solve(c, b, lower, signature=None):
    c, b = _inexact(_asarray(c), _asarray(b))
    if signature is None:
        signature = _tri_signature("cho_solve", c, b)
    b = vectorize(
        functools.partial(_tri_solve, lower=lower, transpose_a=not lower, conjugate_a=not lower),
        signature=signature,
    )(c, b)
    return vectorize(
        functools.partial(_tri_solve, lower=lower, transpose_a=lower, conjugate_a=lower),
        signature=signature,
    )(c, b)


_cho_solve_jit = jit(_cho_solve, static_argnames=("lower", "signature"))


def cho_solve(
    c_and_lower: tuple[ArrayLike, bool],
    b: ArrayLike,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> Array:
    """Solves a @ x = b given cho_factor(a)."""
    del overwrite_b, check_finite
    c, lower = c_and_lower
    c, b = _asarray(c), _asarray(b)
    signature = _tri_signature("cho_solve", c, b)
    return _cho_solve_jit(c, b, lower=bool(lower), signature=signature)


# --------------------------------------------------------------------------
# SVD, eigh, det, inv
# --------------------------------------------------------------------------


def _svd(a, full_matrices, compute_uv):
    _check_rank2("svd", _asarray(a))
    (a,) = _inexact(_asarray(a))
    return _ll().svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


_svd_jit = jit(_svd, static_argnames=("full_matrices", "compute_uv"))


def svd(
    a: ArrayLike,
    full_matrices: bool = True,
    compute_uv: bool = True,
    overwrite_a: bool = False,
    check_finite: bool = True,
    lapack_driver: str = "gesdd",
) -> Array | tuple[Array, Array, Array]:
    """Singular value decomposition (u, s, vh), or s with compute_uv=False."""
    del overwrite_a, check_finite, lapack_driver
    return _svd_jit(_asarray(a), full_matrices=full_matrices, compute_uv=compute_uv)


def det(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> Array:
    """The determinant of a (batched) square matrix."""
    del overwrite_a, check_finite
    return _nl.det(a)


def inv(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> Array:
    """The inverse of a (batched) square matrix."""
    del overwrite_a, check_finite
    return _nl.inv(a)


def _eigh(a, b, lower, eigvals_only, eigvals, type):
    if b is not None:
        raise NotImplementedError("Only the b=None case of eigh is implemented")
    if type != 1:
        raise NotImplementedError("Only the type=1 case of eigh is implemented.")
    if eigvals is not None:
        raise NotImplementedError("Only the eigvals=None case of eigh is implemented.")
    _check_symmetrizable(_asarray(a), True)
    (a,) = _inexact(_asarray(a))
    v, w = _ll().eigh(a, lower=lower)
    return w if eigvals_only else (w, v)


_eigh_jit = jit(_eigh, static_argnames=("lower", "eigvals_only", "eigvals", "type"))


def eigh(
    a: ArrayLike,
    b: ArrayLike | None = None,
    lower: bool = True,
    eigvals_only: bool = False,
    overwrite_a: bool = False,
    overwrite_b: bool = False,
    turbo: bool = True,
    eigvals: None = None,
    type: int = 1,
    check_finite: bool = True,
) -> Array | tuple[Array, Array]:
    """Eigenvalues (ascending) and eigenvectors (w, v) of a Hermitian
    matrix; w alone with eigvals_only=True."""
    del overwrite_a, overwrite_b, turbo, check_finite
    if b is not None:
        raise NotImplementedError("Only the b=None case of eigh is implemented")
    return _eigh_jit(
        _asarray(a), None, lower=lower, eigvals_only=eigvals_only, eigvals=eigvals, type=type
    )


# --------------------------------------------------------------------------
# LU
# --------------------------------------------------------------------------


def _lu_factor(a):
    _check_rank2("lu", _asarray(a))
    (a,) = _inexact(_asarray(a))
    lu_, pivots, _ = _ll().lu(a)
    return lu_, pivots


_lu_factor_jit = jit(_lu_factor)


def lu_factor(
    a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True
) -> tuple[Array, Array]:
    """(lu, pivots): L (unit diagonal, below) and U packed in one matrix,
    and LAPACK-style row interchanges (int32)."""
    del overwrite_a, check_finite
    return _lu_factor_jit(_asarray(a))


def _lu_solve(lu_, pivots, b, trans):
    lu_, b = _inexact(_asarray(lu_), _asarray(b))
    m = _shape(lu_)[-2]
    perm = _ll().lu_pivots_to_permutation(pivots, m)
    if len(_shape(b)) == 1 or (
        len(_shape(lu_)) == len(_shape(b)) + 1 and _shape(lu_)[-1] == _shape(b)[-1]
    ):
        signature = "(n,n),(n),(n)->(n)"
    else:
        signature = "(n,n),(n),(n,k)->(n,k)"
    return vectorize(functools.partial(_nl._lu_solve_core, trans=trans), signature=signature)(
        lu_, perm, b
    )


_lu_solve_jit = jit(_lu_solve, static_argnames=("trans",))


def lu_solve(
    lu_and_piv: tuple[Array, ArrayLike],
    b: ArrayLike,
    trans: int = 0,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> Array:
    """Solves a @ x = b (trans=0), a^T @ x = b (1) or a^H @ x = b (2) given
    lu_factor(a)."""
    del overwrite_b, check_finite
    lu_, pivots = lu_and_piv
    lu_, pivots, b = _asarray(lu_), _asarray(pivots), _asarray(b)
    if len(_shape(b)) > 1 and (
        len(_shape(lu_)) == len(_shape(b)) + 1 and _shape(lu_)[-1] == _shape(b)[-1]
    ):
        warnings.warn(
            "jax.scipy.linalg.lu_solve: batched 1D solves with b.ndim > 1 are "
            "deprecated, and in the future will be treated as a batched 2D solve. "
            "Use lu_solve(lu_and_piv, b[..., None]).squeeze(-1) to avoid this warning.",
            category=FutureWarning,
            stacklevel=2,
        )
    if trans not in (0, 1, 2):
        raise ValueError(f"'trans' value must be 0, 1, or 2, got {trans}")
    return _lu_solve_jit(lu_, pivots, b, trans=trans)


def _lu(a, permute_l):
    _check_rank2("lu", _asarray(a))
    (a,) = _inexact(_asarray(a))
    lu_, _, permutation = _ll().lu(a)
    dtype = _dtype(a)
    m, n = _shape(a)[-2:]
    p = _n.real(
        (permutation[..., None, :] == _n.arange(m, dtype=_dtype(permutation))[:, None]).astype(
            dtype
        )
    )
    k = min(m, n)
    l_ = _ac.tril(lu_, -1)[..., :, :k] + _n.eye(m, k, dtype=dtype)
    u = _ac.triu(lu_)[..., :k, :]
    if permute_l:
        return _n.matmul(p, l_, precision=lax.Precision.HIGHEST), u
    return p, l_, u


_lu_jit = jit(_lu, static_argnames=("permute_l",))


def lu(
    a: ArrayLike, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> tuple[Array, Array] | tuple[Array, Array, Array]:
    """LU decomposition with partial pivoting: (p, l, u) with a = p @ l @ u,
    or (p @ l, u) with permute_l=True."""
    del overwrite_a, check_finite
    return _lu_jit(_asarray(a), permute_l=permute_l)


# --------------------------------------------------------------------------
# QR
# --------------------------------------------------------------------------


def _qr(a, mode, pivoting):
    if mode in ("full", "r"):
        full_matrices = True
    elif mode == "economic":
        full_matrices = False
    else:
        raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
    if pivoting:
        raise NotImplementedError("qr(pivoting=True) is not implemented in mlax")
    _check_rank2("qr", _asarray(a))
    (a,) = _inexact(_asarray(a))
    q, r = _ll().qr(a, full_matrices=full_matrices)
    if mode == "r":
        return (r,)
    return q, r


_qr_jit = jit(_qr, static_argnames=("mode", "pivoting"))


def qr(
    a: ArrayLike,
    overwrite_a: bool = False,
    lwork: Any = None,
    mode: str = "full",
    pivoting: bool = False,
    check_finite: bool = True,
) -> tuple[Array] | tuple[Array, Array] | tuple[Array, Array, Array]:
    """QR decomposition: (q, r) for mode 'full' / 'economic', (r,) for 'r'."""
    del overwrite_a, lwork, check_finite
    return _qr_jit(_asarray(a), mode=mode, pivoting=pivoting)


def qr_multiply(
    a: ArrayLike,
    c: ArrayLike,
    mode: str = "right",
    pivoting: bool = False,
    conjugate: bool = False,
    overwrite_a: bool = False,
    overwrite_c: bool = False,
) -> tuple[Array, Array] | tuple[Array, Array, Array]:
    """(c @ Q, R) for mode='right' or (Q @ c, R) for mode='left', with the
    economic Q and R of a (conj(Q) with conjugate=True)."""
    del overwrite_a, overwrite_c
    a, c = _inexact(_asarray(a), _asarray(c))
    if mode not in ("right", "left"):
        raise ValueError(f"mode must be 'right' or 'left', got {mode!r}")
    if pivoting:
        raise NotImplementedError("qr_multiply(pivoting=True) is not implemented in mlax")
    onedim = len(_shape(c)) == 1
    if onedim:
        c = c[:, None] if mode == "left" else c[None, :]
    m, n = _shape(a)[-2:]
    k = min(m, n)
    if mode == "left":
        if _shape(c)[-2] != k:
            raise ValueError(
                f"Array shapes are not compatible for Q @ c operation: "
                f"a has shape {tuple(_shape(a))} so Q has {k} columns, "
                f"but c has {_shape(c)[-2]} rows (expected {k})."
            )
    elif _shape(c)[-1] != m:
        raise ValueError(
            f"Array shapes are not compatible for c @ Q operation: "
            f"a has shape {tuple(_shape(a))} so Q has {m} rows, "
            f"but c has {_shape(c)[-1]} columns (expected {m})."
        )
    q, r = _ll().qr(a, full_matrices=False)
    if conjugate:
        q = _n.conjugate(q)
    hi = lax.Precision.HIGHEST
    cQ = _n.matmul(q, c, precision=hi) if mode == "left" else _n.matmul(c, q, precision=hi)
    if onedim:
        cQ = _n.ravel(cQ)
    return cQ, _ac.triu(r)


# --------------------------------------------------------------------------
# Solves
# --------------------------------------------------------------------------


@functools.partial(custom_jvp, nondiff_argnums=(2,))
def _solve_pos_core(a, b, lower):
    factors = (_cholesky(lax.stop_gradient(a), lower), lower)
    return _cho_solve(factors[0], b, lower)


@_solve_pos_core.defjvp
def _solve_pos_core_jvp(lower, primals, tangents):
    a, b = primals
    da, db = tangents
    c = _cholesky(lax.stop_gradient(a), lower)
    x = _cho_solve(c, b, lower)
    return x, _cho_solve(c, db - _n.matmul(da, x), lower)


def _solve(a, b, assume_a, lower):
    if assume_a != "pos":
        return _nl._solve(a, b)
    a, b = _inexact(_asarray(a), _asarray(b))
    ashape, bshape = _shape(a), _shape(b)
    if not (
        len(ashape) >= 2
        and len(bshape) in (len(ashape), len(ashape) - 1)
        and ashape[-1] == ashape[-2] == bshape[len(ashape) - 2]
    ):
        raise ValueError(
            "The arguments to solve must have shapes a=[..., m, m] and "
            f"b=[..., m, k] or b=[..., m]; got a={ashape} and b={bshape}"
        )
    signature = "(m,m),(m)->(m)" if len(ashape) == len(bshape) + 1 else "(m,m),(m,n)->(m,n)"
    return vectorize(lambda a_, b_: _solve_pos_core(a_, b_, lower), signature=signature)(a, b)


_solve_jit = jit(_solve, static_argnames=("assume_a", "lower"))


def solve(
    a: ArrayLike,
    b: ArrayLike,
    lower: bool = False,
    overwrite_a: bool = False,
    overwrite_b: bool = False,
    debug: bool = False,
    check_finite: bool = True,
    assume_a: str = "gen",
) -> Array:
    """Solves a @ x = b: LU for assume_a 'gen' / 'sym' / 'her', Cholesky
    (of the `lower` triangle) for 'pos'."""
    del overwrite_a, overwrite_b, debug, check_finite
    valid_assume_a = ["gen", "sym", "her", "pos"]
    if assume_a not in valid_assume_a:
        raise ValueError(f"Expected assume_a to be one of {valid_assume_a}; got {assume_a!r}")
    return _solve_jit(_asarray(a), _asarray(b), assume_a=assume_a, lower=lower)


def _solve_triangular(a, b, trans, lower, unit_diagonal):
    if trans == 0 or trans == "N":
        transpose_a, conjugate_a = False, False
    elif trans == 1 or trans == "T":
        transpose_a, conjugate_a = True, False
    elif trans == 2 or trans == "C":
        transpose_a, conjugate_a = True, True
    else:
        raise ValueError(f"Invalid 'trans' value {trans}")
    a, b = _inexact(_asarray(a), _asarray(b))
    if len(_shape(b)) == 1 or (
        len(_shape(a)) == len(_shape(b)) + 1 and _shape(a)[-1] == _shape(b)[-1]
    ):
        signature = "(n,n),(n)->(n)"
    else:
        signature = "(n,n),(n,k)->(n,k)"
    return vectorize(
        functools.partial(
            _tri_solve,
            lower=lower,
            transpose_a=transpose_a,
            conjugate_a=conjugate_a,
            unit_diagonal=unit_diagonal,
        ),
        signature=signature,
    )(a, b)


_solve_triangular_jit = jit(_solve_triangular, static_argnames=("trans", "lower", "unit_diagonal"))


def solve_triangular(
    a: ArrayLike,
    b: ArrayLike,
    trans: int | str = 0,
    lower: bool = False,
    unit_diagonal: bool = False,
    overwrite_b: bool = False,
    debug: Any = None,
    check_finite: bool = True,
) -> Array:
    """Solves op(a) @ x = b for triangular a (op: trans 0/'N', 1/'T' or
    2/'C'); only the `lower` (or upper) triangle of a is read."""
    del overwrite_b, debug, check_finite
    a, b = _asarray(a), _asarray(b)
    if (
        len(_shape(b)) > 1
        and len(_shape(a)) == len(_shape(b)) + 1
        and _shape(a)[-1] == _shape(b)[-1]
    ):
        warnings.warn(
            "jax.scipy.linalg.solve_triangular: batched 1D solves with b.ndim > 1 "
            "are deprecated, and in the future will be treated as a batched 2D solve. "
            "Use solve_triangular(a, b[..., None]).squeeze(-1) to avoid this warning.",
            category=FutureWarning,
            stacklevel=2,
        )
    return _solve_triangular_jit(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal)


# --------------------------------------------------------------------------
# Matrix exponential (Pade approximants with scaling and squaring)
# --------------------------------------------------------------------------


def _precise_dot(A, B):
    return _n.dot(A, B, precision=lax.Precision.HIGHEST)


def _pade3(A):
    b = (120.0, 60.0, 12.0, 1.0)
    M, N = _shape(A)
    ident = _n.eye(M, N, dtype=_dtype(A))
    A2 = _precise_dot(A, A)
    U = _precise_dot(A, (b[3] * A2 + b[1] * ident))
    V = b[2] * A2 + b[0] * ident
    return U, V


def _pade5(A):
    b = (30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0)
    M, N = _shape(A)
    ident = _n.eye(M, N, dtype=_dtype(A))
    A2 = _precise_dot(A, A)
    A4 = _precise_dot(A2, A2)
    U = _precise_dot(A, b[5] * A4 + b[3] * A2 + b[1] * ident)
    V = b[4] * A4 + b[2] * A2 + b[0] * ident
    return U, V


def _pade7(A):
    b = (17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0)
    M, N = _shape(A)
    ident = _n.eye(M, N, dtype=_dtype(A))
    A2 = _precise_dot(A, A)
    A4 = _precise_dot(A2, A2)
    A6 = _precise_dot(A4, A2)
    U = _precise_dot(A, b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * ident)
    V = b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * ident
    return U, V


def _pade9(A):
    b = (
        17643225600.0,
        8821612800.0,
        2075673600.0,
        302702400.0,
        30270240.0,
        2162160.0,
        110880.0,
        3960.0,
        90.0,
        1.0,
    )
    M, N = _shape(A)
    ident = _n.eye(M, N, dtype=_dtype(A))
    A2 = _precise_dot(A, A)
    A4 = _precise_dot(A2, A2)
    A6 = _precise_dot(A4, A2)
    A8 = _precise_dot(A6, A2)
    U = _precise_dot(A, b[9] * A8 + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * ident)
    V = b[8] * A8 + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * ident
    return U, V


def _pade13(A):
    b = (
        64764752532480000.0,
        32382376266240000.0,
        7771770303897600.0,
        1187353796428800.0,
        129060195264000.0,
        10559470521600.0,
        670442572800.0,
        33522128640.0,
        1323241920.0,
        40840800.0,
        960960.0,
        16380.0,
        182.0,
        1.0,
    )
    M, N = _shape(A)
    ident = _n.eye(M, N, dtype=_dtype(A))
    A2 = _precise_dot(A, A)
    A4 = _precise_dot(A2, A2)
    A6 = _precise_dot(A4, A2)
    U = _precise_dot(
        A,
        _precise_dot(A6, b[13] * A6 + b[11] * A4 + b[9] * A2)
        + b[7] * A6
        + b[5] * A4
        + b[3] * A2
        + b[1] * ident,
    )
    V = (
        _precise_dot(A6, b[12] * A6 + b[10] * A4 + b[8] * A2)
        + b[6] * A6
        + b[4] * A4
        + b[2] * A2
        + b[0] * ident
    )
    return U, V


def _calc_P_Q(A):
    A_L1 = _nl._norm(A, 1, None, False)
    dt = _dtype(A)
    if dt in (np.float64, np.complex128):
        maxnorm = 5.371920351148152
        conds = [
            1.495585217958292e-002,
            2.539398330063230e-001,
            9.504178996162932e-001,
            2.097847961257068e000,
        ]
        branches = [_pade3, _pade5, _pade7, _pade9, _pade13]
    elif dt in (np.float32, np.complex64):
        maxnorm = 3.925724783138660
        conds = [4.258730016922831e-001, 1.880152677804762e000]
        branches = [_pade3, _pade5, _pade7]
    else:
        raise TypeError(f"A.dtype={dt} is not supported.")
    n_squarings = _n.maximum(0, _n.floor(_math.log2(A_L1 / maxnorm)))
    A = A / (2**n_squarings).astype(dt)
    conds_arr = _n.array(conds, dtype=_dtype(A_L1))
    idx = _n.sum((A_L1 >= conds_arr).astype(np.int32))  # digitize(A_L1, conds)
    U, V = lax.switch(idx, branches, A)
    return U + V, -U + V, n_squarings


def _squaring(R, n_squarings, max_squarings):
    def _scan_f(c, i):
        return lax.cond(i < n_squarings, lambda x: _precise_dot(x, x), lambda x: x, c), None

    res, _ = lax.scan(_scan_f, R, _n.arange(max_squarings, dtype=_dtype(n_squarings)))
    return res


def _expm_2d(A, upper_triangular, max_squarings):
    P, Q, n_squarings = _calc_P_Q(A)

    def _nan(args):
        A_, *_ = args
        return _n.full_like(A_, np.nan)

    def _compute(args):
        _, P_, Q_ = args
        if upper_triangular:
            R = _solve_triangular(Q_, P_, 0, False, False)
        else:
            R = _nl._solve(Q_, P_)
        return _squaring(R, n_squarings, max_squarings)

    return lax.cond(n_squarings > max_squarings, _nan, _compute, (A, P, Q))


def _expm(A, upper_triangular, max_squarings):
    (A,) = _inexact(_asarray(A))
    shape = _shape(A)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"Expected A to be a (batched) square matrix, got A.shape={shape}.")
    if not dtypes.is_inexact(_dtype(A)) or _dtype(A) not in (
        np.float32,
        np.float64,
        np.complex64,
        np.complex128,
    ):
        raise TypeError(f"A.dtype={_dtype(A)} is not supported.")
    if len(shape) > 2:
        return vectorize(
            functools.partial(
                _expm_2d, upper_triangular=upper_triangular, max_squarings=max_squarings
            ),
            signature="(n,n)->(n,n)",
        )(A)
    return _expm_2d(A, upper_triangular, max_squarings)


_expm_jit = jit(_expm, static_argnames=("upper_triangular", "max_squarings"))


def expm(A: ArrayLike, *, upper_triangular: bool = False, max_squarings: int = 16) -> Array:
    """The matrix exponential (Pade approximant of degree 3-13 with scaling
    and squaring, as JAX); NaN where more than max_squarings squarings would
    be needed."""
    return _expm_jit(_asarray(A), upper_triangular=upper_triangular, max_squarings=max_squarings)


def _expm_frechet(A, E, compute_expm):
    from mlax._src.autodiff import jvp

    A_shape, E_shape = _shape(A), _shape(E)
    if len(A_shape) < 2 or A_shape[-2] != A_shape[1]:
        raise ValueError(f"expected A to be a (batched) square matrix, got A.shape={A_shape}")
    if len(E_shape) < 2 or E_shape[-2] != E_shape[-1]:
        raise ValueError(f"expected E to be a (batched) square matrix, got E.shape={E_shape}")
    if A_shape != E_shape:
        raise ValueError(
            f"expected A and E to be the same shape, got A.shape={A_shape} E.shape={E_shape}"
        )
    expm_A, expm_frechet_AE = jvp(
        functools.partial(_expm, upper_triangular=False, max_squarings=16), (A,), (E,)
    )
    return (expm_A, expm_frechet_AE) if compute_expm else expm_frechet_AE


_expm_frechet_jit = jit(_expm_frechet, static_argnames=("compute_expm",))


def expm_frechet(
    A: ArrayLike, E: ArrayLike, *, method: str | None = None, compute_expm: bool = True
) -> Array | tuple[Array, Array]:
    """(expm(A), the Frechet derivative of expm at A in direction E), or the
    derivative alone with compute_expm=False."""
    del method
    return _expm_frechet_jit(_asarray(A), _asarray(E), compute_expm=compute_expm)


# --------------------------------------------------------------------------
# Polar decomposition
# --------------------------------------------------------------------------


def _polar_2d(a, side, method):
    if method not in ("qdwh", "svd"):
        raise ValueError(f"Unknown polar decomposition method {method}.")
    m, n = _shape(a)
    if method == "qdwh" and not ((m >= n and side == "right") or (m < n and side == "left")):
        raise NotImplementedError(
            "method='qdwh' only supports mxn matrices "
            "where m < n where side='right' and m >= n "
            f"side='left', got {_shape(a)} with side={side!r}"
        )
    u_svd, s_svd, vh_svd = _ll().svd(a, full_matrices=False)
    s_svd = s_svd.astype(_dtype(u_svd))
    unitary = u_svd @ vh_svd
    if side == "right":
        posdef = (_H(vh_svd) * s_svd[None, :]) @ vh_svd
    else:
        posdef = (u_svd * s_svd[None, :]) @ _H(u_svd)
    return unitary, posdef


def _polar(a, side, method):
    (a,) = _inexact(a)
    sig = "(m,n)->(m,n),(n,n)" if side == "right" else "(m,n)->(m,n),(m,m)"
    return vectorize(functools.partial(_polar_2d, side=side, method=method), signature=sig)(a)


_polar_jit = jit(_polar, static_argnames=("side", "method"))


def polar(
    a: ArrayLike,
    side: str = "right",
    *,
    method: str = "qdwh",
    eps: float | None = None,
    max_iterations: int | None = None,
) -> tuple[Array, Array]:
    """Polar decomposition a = u @ p (side='right') or p @ u ('left'), u
    unitary, p positive semidefinite; computed through the SVD for either
    method."""
    del eps, max_iterations
    arr = _asarray(a)
    if len(_shape(arr)) < 2:
        raise ValueError("The input `a` must be at least a 2-D array.")
    if side not in ["right", "left"]:
        raise ValueError("The argument `side` must be either 'right' or 'left'.")
    return _polar_jit(arr, side=side, method=method)


# --------------------------------------------------------------------------
# Special matrices
# --------------------------------------------------------------------------


def block_diag(*arrs: ArrayLike) -> Array:
    """The block-diagonal matrix of the (at most 2-D) arguments."""
    if len(arrs) == 0:
        arrs = (_n.zeros((1, 0)),)
    arrs = tuple(_n._promote_dtypes(*[_asarray(a) for a in arrs]))
    bad = [i for i, a in enumerate(arrs) if len(_shape(a)) > 2]
    if bad:
        raise ValueError(
            "Arguments to jax.scipy.linalg.block_diag must have at "
            f"most 2 dimensions, got {arrs[bad[0]]} at argument {bad[0]}."
        )
    arrs = [_n.atleast_2d(a) for a in arrs]
    total_cols = sum(_shape(a)[1] for a in arrs)
    padded = []
    col = 0
    for arr in arrs:
        cols = _shape(arr)[1]
        zero = _n.zeros((), _dtype(arr))
        padded.append(lax.pad(arr, zero, ((0, 0, 0), (col, total_cols - cols - col, 0))))
        col += cols
    return _n.concatenate(padded, axis=0)


def _toeplitz_2d(c, r):
    (nrows,) = _shape(c)
    (ncols,) = _shape(r)
    if nrows == 0 or ncols == 0:
        return _n.zeros((nrows, ncols), dtype=_info.promote_types(_dtype(c), _dtype(r)))
    elems = _n.concatenate((c[::-1], r[1:]))
    idx = (nrows - 1) - np.arange(nrows)[:, None] + np.arange(ncols)[None, :]
    return _n.take(elems, _n.asarray(idx.astype(np.int32)))


@jit
def _toeplitz_jit(c, r):
    return vectorize(_toeplitz_2d, signature="(m),(n)->(m,n)")(c, r)


def toeplitz(c: ArrayLike, r: ArrayLike | None = None) -> Array:
    """The Toeplitz matrix with first column c and first row r (conj(c)
    when r is None); leading dimensions broadcast."""
    if r is None:
        _check_arraylike("toeplitz", c)
        r = _n.conjugate(_asarray(c))
    else:
        _check_arraylike("toeplitz", c, r)
    return _toeplitz_jit(_ac.atleast_1d(_asarray(c)), _ac.atleast_1d(_asarray(r)))


def _hankel_2d(c, r):
    (nrows,) = _shape(c)
    (ncols,) = _shape(r)
    if nrows == 0 or ncols == 0:
        return _n.zeros((nrows, ncols), dtype=_info.promote_types(_dtype(c), _dtype(r)))
    v = _n.concatenate((c, r[1:]))
    idx = np.arange(nrows)[:, None] + np.arange(ncols)[None, :]
    return _n.take(v, _n.asarray(idx.astype(np.int32)))


def hankel(c: ArrayLike, r: ArrayLike | None = None) -> Array:
    """The Hankel matrix with first column c and last row r (zeros when r
    is None)."""
    if r is None:
        _check_arraylike("hankel", c)
        c = _asarray(c)
        r = _n.zeros_like(c)
    else:
        _check_arraylike("hankel", c, r)
        c, r = _asarray(c), _asarray(r)
    if len(_shape(c)) == 0:
        raise ValueError("hankel: c must be at least 1-dimensional, got a scalar.")
    if len(_shape(r)) == 0:
        raise ValueError("hankel: r must be at least 1-dimensional, got a scalar.")
    if len(_shape(c)) < len(_shape(r)):
        c = _n.reshape(c, (1,) * (len(_shape(r)) - len(_shape(c))) + _shape(c))
    elif len(_shape(r)) < len(_shape(c)):
        r = _n.reshape(r, (1,) * (len(_shape(c)) - len(_shape(r))) + _shape(r))
    return _hankel_jit(c, r)


@jit
def _hankel_jit(c, r):
    return vectorize(_hankel_2d, signature="(m),(n)->(m,n)")(c, r)


def _circ(c):
    (n,) = _shape(c)
    idx = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n
    return _n.take(c, _n.asarray(idx.astype(np.int32)))


_circ_jit = jit(vectorize(_circ, signature="(n)->(n,n)"))


def circulant(c: ArrayLike) -> Array:
    """The circulant matrix with first column c."""
    _check_arraylike("circulant", c)
    c = _ac.atleast_1d(_asarray(c))

    return _circ_jit(c)


def _les(f, s):
    f, s = _n._promote_dtypes(f, s)
    return _n.diag(s, k=-1).at[0].set(f)


_les_jit = jit(vectorize(_les, signature="(n),(m)->(n,n)"))


def leslie(f: ArrayLike, s: ArrayLike) -> Array:
    """The Leslie matrix of fecundity f and survival s."""
    _check_arraylike("leslie", f, s)
    f_arr, s_arr = _ac.atleast_1d(_asarray(f)), _ac.atleast_1d(_asarray(s))
    if _shape(f_arr)[-1] < 2:
        raise ValueError(
            f"The length of f along the last axis must be at least 2; got shape {_shape(f_arr)}."
        )
    if _shape(s_arr)[-1] != _shape(f_arr)[-1] - 1:
        raise ValueError(
            "Incorrect lengths for f and s. The length of s along the last axis "
            "must be one less than the length of f; got f shape "
            f"{_shape(f_arr)} and s shape {_shape(s_arr)}."
        )

    return _les_jit(f_arr, s_arr)


def _comp(a):
    first_row = -a[1:] / a[0]
    m = _shape(a)[0] - 1
    out = _n.eye(m, m, k=-1, dtype=_dtype(first_row))
    return out.at[0].set(first_row)


_comp_jit = jit(vectorize(_comp, signature="(n)->(m,m)"))


def companion(a: ArrayLike) -> Array:
    """The companion matrix of the polynomial with coefficients a."""
    _check_arraylike("companion", a)
    (a,) = _inexact(_asarray(a))
    a = _ac.atleast_1d(a)
    if _shape(a)[-1] < 2:
        raise ValueError(
            f"The length of `a` along the last axis must be at least 2; got shape {_shape(a)}."
        )

    return _comp_jit(a)


def fiedler(a: ArrayLike) -> Array:
    """The Fiedler matrix |a[i] - a[j]|."""
    _check_arraylike("fiedler", a)
    arr = _ac.atleast_1d(_asarray(a))
    return _n.abs(arr[..., None] - arr[..., None, :])


def _fc(a):
    n = _shape(a)[0] - 1
    if n == 0:
        return _n.zeros((0, 0), _dtype(a))
    a = a / a[0]
    if n == 1:
        return _n.reshape(-a[1:], (1, 1))
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    super_val = -_n.take(a, _n.asarray(np.minimum(i + 2, n).astype(np.int32)))
    sub_val = -_n.take(a, _n.asarray(np.minimum(i + 1, n).astype(np.int32)))
    i_even, i_odd = i % 2 == 0, i % 2 == 1
    one, zero = _n.array(1, dtype=_dtype(a)), _n.array(0, dtype=_dtype(a))
    conditions = [
        (i == 0) & (j == 0),
        (i == 1) & (j == 0),
        (j == i + 1) & i_even,
        (j == i + 2) & i_even,
        (j == i - 1) & i_even & (i >= 2),
        (j == i - 2) & i_odd & (i >= 3),
    ]
    choices = [-a[1], one, super_val, one, sub_val, one]
    out = _n.broadcast_to(zero, (n, n))
    for cond_, choice in reversed(list(zip(conditions, choices))):
        out = _n.where(cond_, choice, out)
    return out


_fc_jit = jit(vectorize(_fc, signature="(n)->(m,m)"))


def fiedler_companion(a: ArrayLike) -> Array:
    """The Fiedler companion matrix of the polynomial with coefficients a."""
    _check_arraylike("fiedler_companion", a)
    (a,) = _inexact(_asarray(a))
    a = _ac.atleast_1d(a)
    if _shape(a)[-1] == 0:
        raise ValueError(
            "fiedler_companion requires the last axis of 'a' to have nonzero "
            f"length, but got an array of shape {_shape(a)}."
        )

    return _fc_jit(a)


def convolution_matrix(a: ArrayLike, n: int, mode: str = "full") -> Array:
    """The Toeplitz matrix of the convolution with a (mode 'full', 'valid'
    or 'same')."""
    n = operator.index(n)
    if n <= 0:
        raise ValueError(f"n must be a positive integer; got {n}.")
    _check_arraylike("convolution_matrix", a)
    a_arr = _asarray(a)
    if len(_shape(a_arr)) == 0:
        raise ValueError("convolution_matrix: a must be at least 1-dimensional, got a scalar.")
    m = _shape(a_arr)[-1]
    if m < 1:
        raise ValueError(f"len(a) must be at least 1; got shape {_shape(a_arr)}.")
    if mode not in ("full", "valid", "same"):
        raise ValueError(f"mode must be one of 'full', 'valid', 'same'; got {mode!r}.")
    nd = len(_shape(a_arr))
    zero = _n.zeros((), _dtype(a_arr))
    cfg = [(0, 0, 0)] * (nd - 1) + [(0, n - 1, 0)]
    az = lax.pad(a_arr, zero, cfg)
    raz = lax.pad(_manip.flip(a_arr, axis=-1), zero, cfg)
    L = m + n - 1
    if mode == "same":
        trim = min(n, m) - 1
        tb = trim // 2
        te = trim - tb
    elif mode == "valid":
        tb = te = min(n, m) - 1
    else:
        tb = te = 0
    col0 = az[..., tb : L - te]
    row0 = raz[..., L - n - tb : L - tb]
    return toeplitz(col0, row0)


def _hilbert_impl(n: int) -> Array:
    """The n x n Hilbert matrix 1 / (i + j + 1)."""
    a = lax.broadcasted_iota(dtypes.default_float_dtype(), (n, 1), 0)
    return 1 / (a + _mT(a) + 1)


_hilbert_jit = jit(_hilbert_impl, static_argnames=('n',))


def _helmert_impl(n: int, full: bool = False) -> Array:
    """The Helmert matrix of order n ((n-1) x n, or n x n with full=True)."""
    if n < 1:
        raise ValueError(f"n must be a positive integer; got {n}.")
    fdt = dtypes.default_float_dtype()
    i = np.arange(n - 1)[:, None]
    j = np.arange(n)[None, :]
    k = i + 1
    k_f = _n.asarray(k.astype(fdt))
    denom = _n.sqrt(k_f * (k_f + 1))
    H = _n.where(j <= i, 1.0 / denom, _n.where(j == k, -k_f / denom, _n.zeros_like(denom)))
    if full:
        first_row = _n.full((1, n), 1.0 / _n.sqrt(_n.asarray(n, dtype=fdt)), dtype=_dtype(H))
        H = _n.concatenate([first_row, H], axis=0)
    return H


_helmert_jit = jit(_helmert_impl, static_argnames=('n', 'full'))


def _hadamard_impl(n: int, dtype: DTypeLike = int) -> Array:
    """The n x n Hadamard matrix (n a power of 2)."""
    if n < 1 or not math.log2(n).is_integer():
        raise ValueError(f"n must be a positive power of 2; got {n}.")
    H = _n.ones((1, 1), dtype=dtype)
    for _ in range(int(math.log2(n))):
        H = _n.concatenate(
            [_n.concatenate([H, H], axis=1), _n.concatenate([H, -H], axis=1)], axis=0
        )
    return H


_hadamard_jit = jit(_hadamard_impl, static_argnames=('n', 'dtype'))


def _dft_impl(n: int, scale: str | None = None, *, dtype: DTypeLike | None = None) -> Array:
    """The n x n discrete Fourier transform matrix exp(-2 pi i jk / n)
    (scaled by 1/sqrt(n) or 1/n)."""
    if scale is not None and scale not in ("sqrtn", "n"):
        raise ValueError(f"scale must be None, 'sqrtn', or 'n'; got {scale!r}.")
    if dtype is None:
        dtype = dtypes.default_complex_dtype()
    else:
        dtype = dtypes.canonicalize_dtype(dtype)
        if not dtypes.is_complex(np.dtype(dtype)):
            raise ValueError(f"dtype must be a complex floating-point type; got {dtype}.")
    a = _n.arange(n, dtype=dtype)
    omegas = _n.exp(-2j * np.pi * a[:, None] * a[None, :] / n)
    if scale == "sqrtn":
        omegas = omegas / _n.sqrt(_n.asarray(n, dtype=dtype))
    elif scale == "n":
        omegas = omegas / n
    return omegas


_dft_jit = jit(_dft_impl, static_argnames=('n', 'scale', 'dtype'))


def hilbert(n: int) -> Array:
    """The n x n Hilbert matrix 1 / (i + j + 1)."""
    return _hilbert_jit(n=operator.index(n))


def helmert(n: int, full: bool = False) -> Array:
    """The Helmert matrix of order n ((n-1) x n, or n x n with full=True)."""
    return _helmert_jit(n=operator.index(n), full=bool(full))


def hadamard(n: int, dtype: DTypeLike = int) -> Array:
    """The n x n Hadamard matrix (n a power of 2)."""
    return _hadamard_jit(n=operator.index(n), dtype=dtype)


def dft(n: int, scale: str | None = None, *, dtype: DTypeLike | None = None) -> Array:
    """The n x n discrete Fourier transform matrix exp(-2 pi i jk / n)
    (scaled by 1/sqrt(n) or 1/n)."""
    return _dft_jit(n=operator.index(n), scale=scale, dtype=dtype)


def _check_kind(kind):
    if kind is None:
        kind = "symmetric"
    valid_kind = ["symmetric", "lower", "upper"]
    if kind not in valid_kind:
        raise ValueError(f"Expected kind to be one of: {valid_kind}; got {kind}")
    return kind


def _binom_table(n: int) -> np.ndarray:
    return np.array([[math.comb(i, j) for j in range(n)] for i in range(n)], dtype=object)


def pascal(n: int, kind: str | None = None) -> Array:
    """The n x n Pascal matrix (symmetric, lower or upper), float32 as
    JAX's; exact binomial coefficients (computed on the host)."""
    kind = _check_kind(kind)
    n = operator.index(n)
    L_n = _binom_table(n)
    if kind == "lower":
        out = L_n
    elif kind == "upper":
        out = L_n.T
    else:
        out = L_n.dot(L_n.T) if n else L_n
    return _n.asarray(np.asarray(out, dtype=np.float64).astype(np.float32).reshape(n, n))


def invpascal(n: int, kind: str | None = None) -> Array:
    """The inverse of pascal(n, kind), in the default float dtype."""
    kind = _check_kind(kind)
    n = operator.index(n)
    sign = np.array([[(-1) ** ((i - j) % 2) for j in range(n)] for i in range(n)], dtype=object)
    L_inv = sign * _binom_table(n) if n else _binom_table(n)
    if kind == "lower":
        out = L_inv
    elif kind == "upper":
        out = L_inv.T
    else:
        out = L_inv.T.dot(L_inv) if n else L_inv
    fdt = dtypes.default_float_dtype()
    return _n.asarray(np.asarray(out, dtype=np.float64).astype(fdt).reshape(n, n))


def invhilbert(n: int) -> Array:
    """The inverse of hilbert(n) (exact integers, computed on the host), in
    the default float dtype."""
    n = operator.index(n)
    out = np.zeros((n, n), dtype=object)
    for i in range(n):
        for j in range(n):
            s = i + j
            out[i, j] = (
                (-1) ** s
                * (s + 1)
                * math.comb(n + i, n - j - 1)
                * math.comb(n + j, n - i - 1)
                * math.comb(s, i) ** 2
            )
    fdt = dtypes.default_float_dtype()
    return _n.asarray(np.asarray(out, dtype=np.float64).astype(fdt).reshape(n, n))


# --------------------------------------------------------------------------
# Symmetric tridiagonal eigenvalues (bisection with Sturm counts, as JAX)
# --------------------------------------------------------------------------


def _sturm(alpha, beta_sq, pivmin, alpha0_perturbation, x):
    """The number of eigenvalues below each x (Sturm sequence counts)."""
    n = _shape(alpha)[0]
    zeros = _n.zeros(_shape(x), dtype=np.int32)
    ones = _n.ones(_shape(x), dtype=np.int32)
    q = alpha[0] - x
    count = _n.where(q < 0, ones, zeros)
    q = _n.where(alpha[0] == x, alpha0_perturbation, q)

    def step(i, qc):
        q, count = qc
        q = alpha[i] - beta_sq[i - 1] / q - x
        count = _n.where(q <= pivmin, count + 1, count)
        q = _n.where(q <= pivmin, _n.minimum(q, -pivmin), q)
        return q, count

    _, count = lax.fori_loop(1, n, step, (q, count))
    return count


def _eigh_tridiagonal(d, e, tol, eigvals_only, select, select_range):
    alpha, beta = _asarray(d), _asarray(e)
    supported = (np.float32, np.float64, np.complex64, np.complex128)
    if _dtype(alpha) != _dtype(beta):
        raise TypeError(
            "diagonal and off-diagonal values must have same dtype, "
            f"got {_dtype(alpha)} and {_dtype(beta)}"
        )
    if _dtype(alpha) not in supported or _dtype(beta) not in supported:
        raise TypeError(
            "Only float32 and float64 inputs are supported as inputs "
            "to jax.scipy.linalg.eigh_tridiagonal, got "
            f"{_dtype(alpha)} and {_dtype(beta)}"
        )
    n = _shape(alpha)[0]
    if n <= 1:
        if eigvals_only:
            return _n.real(alpha)
        return _n.real(alpha), _n.eye(n, dtype=_dtype(alpha))
    beta_c = beta
    if dtypes.is_complex(_dtype(alpha)):
        alpha = _n.real(alpha)
        beta_sq = _n.real(beta * _n.conjugate(beta))
        beta_abs = _n.sqrt(beta_sq)
    else:
        beta_abs = _n.abs(beta)
        beta_sq = _n.square(beta)
    off_diag_abs_row_sum = _n.concatenate(
        [beta_abs[:1], beta_abs[:-1] + beta_abs[1:], beta_abs[-1:]], axis=0
    )
    lambda_est_max = _n.max(alpha + off_diag_abs_row_sum)
    lambda_est_min = _n.min(alpha - off_diag_abs_row_sum)
    t_norm = _n.maximum(_n.abs(lambda_est_min), _n.abs(lambda_est_max))
    finfo = np.finfo(_dtype(alpha))
    one = np.ones([], dtype=_dtype(alpha))
    safemin = np.maximum(one / finfo.max, (one + finfo.eps) * finfo.tiny)
    pivmin = safemin * _n.maximum(1, _n.max(beta_sq))
    alpha0_perturbation = _n.square(finfo.eps * beta_abs[0])
    abs_tol = finfo.eps * t_norm
    if tol is not None:
        abs_tol = _n.maximum(tol, abs_tol)
    max_it = finfo.nmant + 1
    if select == "a":
        target_counts = _n.arange(n, dtype=np.int32)
    elif select == "i":
        if select_range is None:
            raise ValueError("for select='i', select_range must be specified.")
        if select_range[0] > select_range[1]:
            raise ValueError("Got empty index range in select_range.")
        target_counts = _n.arange(select_range[0], select_range[1] + 1, dtype=np.int32)
    elif select == "v":
        raise NotImplementedError("eigh_tridiagonal(..., select='v') is not implemented")
    else:
        raise ValueError("'select must have a value in {'a', 'i', 'v'}.")
    fudge = 2.1
    norm_slack = _n.array(n, _dtype(alpha)) * fudge * finfo.eps * t_norm
    lower = lambda_est_min - norm_slack - 2 * fudge * pivmin
    upper = lambda_est_max + norm_slack + fudge * pivmin
    target_shape = _shape(target_counts)
    lower = _n.broadcast_to(lower, target_shape)
    upper = _n.broadcast_to(upper, target_shape)
    mid = 0.5 * (upper + lower)
    pivmin = _n.broadcast_to(pivmin, target_shape)
    alpha0_perturbation = _n.broadcast_to(alpha0_perturbation, target_shape)

    def cond(args):
        i, lower, _, upper = args
        return (i < max_it) & (abs_tol < _n.max(upper - lower))

    def body(args):
        i, lower, mid, upper = args
        counts = _sturm(alpha, beta_sq, pivmin, alpha0_perturbation, mid)
        lower = _n.where(counts <= target_counts, mid, lower)
        upper = _n.where(counts > target_counts, mid, upper)
        mid = 0.5 * (lower + upper)
        return i + 1, lower, mid, upper

    _, _, mid, _ = lax.while_loop(cond, body, (_n.asarray(0, np.int32), lower, mid, upper))
    if eigvals_only:
        return mid
    # Eigenvectors from the dense tridiagonal matrix (JAX: inverse iteration).
    dt = _dtype(beta_c)
    t = _n.diag(alpha.astype(dt)) + _n.diag(beta_c, k=-1) + _n.diag(_n.conjugate(beta_c), k=1)
    v, _ = _ll().eigh(t)
    if select == "i":
        v = v[:, select_range[0] : select_range[1] + 1]
    return mid, v


_eigh_tridiagonal_jit = jit(
    _eigh_tridiagonal, static_argnames=("eigvals_only", "select", "select_range")
)


def eigh_tridiagonal(
    d: ArrayLike,
    e: ArrayLike,
    *,
    eigvals_only: bool = False,
    select: str = "a",
    select_range: tuple[float, float] | None = None,
    tol: float | None = None,
    key: Any = None,
) -> Array | tuple[Array, Array]:
    """Eigenvalues (ascending; by bisection, as JAX) of the Hermitian
    tridiagonal matrix with diagonal d and subdiagonal e, and with
    eigvals_only=False its eigenvectors (columns; from eigh of the dense
    matrix, where JAX uses inverse iteration)."""
    del key
    if select_range is not None:
        select_range = tuple(select_range)
    return _eigh_tridiagonal_jit(
        d, e, tol, eigvals_only=eigvals_only, select=select, select_range=select_range
    )


# --------------------------------------------------------------------------
# Hessenberg form (Householder reflections, LAPACK's gehrd conventions)
# --------------------------------------------------------------------------


def _hessenberg_2d(a):
    """(a_out, taus) as LAPACK's gehrd: the Hessenberg matrix on and above
    the first subdiagonal, the reflectors' vectors below it."""
    n = _shape(a)[0]
    dt = _dtype(a)
    cplx = dtypes.is_complex(dt)
    rows = np.arange(n)
    taus = []
    packed = _n.zeros((n, n), dt)
    for i in range(n - 1):
        alpha = a[i + 1, i]
        tail = rows >= i + 2
        x = _n.where(_n.asarray(tail), a[:, i], _n.zeros((), dt))
        xnorm = _n.sqrt(_n.sum(_n.real(x * _n.conjugate(x))))
        ar = _n.real(alpha)
        trivial = (xnorm == 0) & ((_n.imag(alpha) == 0) if cplx else True)
        norm = _n.sqrt(ar * ar + (_n.imag(alpha) ** 2 if cplx else 0) + xnorm * xnorm)
        beta = -_n.where(ar >= 0, norm, -norm)
        safe_beta = _n.where(trivial, 1, beta)
        tau = _n.where(trivial, _n.zeros((), dt), ((safe_beta - alpha) / safe_beta).astype(dt))
        scale = _n.where(trivial, _n.zeros((), dt), 1 / _n.where(trivial, 1, alpha - beta))
        v = x * scale + _n.asarray((rows == i + 1).astype(dt))
        # A <- H^H A H with H = I - tau v v^H
        vh = _n.conjugate(v)
        a = a - tau * _n.outer(_n.matmul(a, v), vh)
        a = a - _n.conjugate(tau) * _n.outer(v, _n.matmul(vh, a))
        col = _n.where(
            _n.asarray(rows == i + 1), _n.where(trivial, alpha, beta.astype(dt)), a[:, i]
        )
        col = _n.where(_n.asarray(tail), _n.zeros((), dt), col)
        a = a.at[:, i].set(col)
        packed = packed.at[:, i].set(_n.where(_n.asarray(tail), v, _n.zeros((), dt)))
        taus.append(tau)
    taus_arr = _n.stack(taus) if taus else _n.zeros((0,), dt)
    return a + packed, taus_arr


def _hessenberg(a, calc_q):
    (a,) = _inexact(_asarray(a))
    n = _shape(a)[-1]
    if n == 0:
        return (_n.zeros_like(a), _n.zeros_like(a)) if calc_q else _n.zeros_like(a)
    a_out, taus = vectorize(_hessenberg_2d, signature="(n,n)->(n,n),(k)")(a)
    h = _ac.triu(a_out, -1)
    if not calc_q:
        return h
    if n == 1:
        return h, _n.ones_like(a)
    q = _ll().householder_product(a_out[..., 1:, :-1], taus)
    batch = _shape(a_out)[:-2]
    dt = _dtype(a_out)
    top = _n.concatenate([_n.ones(batch + (1, 1), dt), _n.zeros(batch + (1, n - 1), dt)], axis=-1)
    bottom = _n.concatenate([_n.zeros(batch + (n - 1, 1), dt), q], axis=-1)
    return h, _n.concatenate([top, bottom], axis=-2)


_hessenberg_jit = jit(_hessenberg, static_argnames=("calc_q",))


def hessenberg(
    a: ArrayLike, *, calc_q: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> Array | tuple[Array, Array]:
    """Upper Hessenberg form h of a (a = q @ h @ q^H), and q with
    calc_q=True; Householder reflections as LAPACK's gehrd."""
    del overwrite_a, check_finite
    return _hessenberg_jit(_asarray(a), calc_q=calc_q)


# --------------------------------------------------------------------------
# Schur form and the functions built on it (sqrtm, rsf2csf, funm,
# solve_sylvester)
# --------------------------------------------------------------------------


def _to_complex_dtype(dt: np.dtype) -> np.dtype:
    return np.dtype(np.complex128 if np.dtype(dt).itemsize >= 8 else np.complex64)


def _schur(a, output):
    a = _asarray(a)
    if output == "complex":
        a = a.astype(_to_complex_dtype(_dtype(_n._to_inexact(a))))
    return tuple(_ll().schur(a))


_schur_jit = jit(_schur, static_argnames=("output",))


def schur(a: ArrayLike, output: str = "real") -> tuple[Array, Array]:
    """Schur decomposition a = z @ t @ z^H: t upper (quasi-)triangular,
    z unitary; output='complex' gives a triangular t."""
    if output not in ("real", "complex"):
        raise ValueError(
            f"Expected 'output' to be either 'real' or 'complex', got output={output}."
        )
    return _schur_jit(_asarray(a), output=output)


def _sqrtm_triu(T):
    diag = _n.sqrt(_n.diagonal(T))
    n = _shape(diag)[0]
    U = _n.diag(diag)

    def i_loop(l_, data):
        j, U = data
        i = j - 1 - l_
        s = lax.fori_loop(i + 1, j, lambda k, val: val + U[i, k] * U[k, j], _n.zeros((), _dtype(T)))
        value = _n.where(T[i, j] == s, _n.zeros((), _dtype(T)), (T[i, j] - s) / (diag[i] + diag[j]))
        return j, U.at[i, j].set(value)

    def j_loop(j, U):
        _, U = lax.fori_loop(0, j, i_loop, (j, U))
        return U

    return lax.fori_loop(0, n, j_loop, U)


def _sqrtm(A):
    T, Z = _schur(A, "complex")
    sqrt_T = _sqrtm_triu(T)
    hi = lax.Precision.HIGHEST
    return _n.matmul(_n.matmul(Z, sqrt_T, precision=hi), _H(Z), precision=hi)


_sqrtm_jit = jit(_sqrtm)


def sqrtm(A: ArrayLike, blocksize: int = 1) -> Array:
    """The principal matrix square root (complex), through the complex
    Schur form."""
    if blocksize > 1:
        raise NotImplementedError("Blocked version is not implemented yet.")
    return _sqrtm_jit(_asarray(A))


def _rsf2csf_2d(T, Z):
    dt = _to_complex_dtype(np.result_type(_dtype(T), _dtype(Z)))
    T, Z = T.astype(dt), Z.astype(dt)
    eps = float(np.finfo(dt).eps)
    N = _shape(T)[0]
    if N == 1:
        return T, Z

    def _update_T_Z(m, T, Z):
        mu = _nl.eigvals(lax.dynamic_slice(T, (m - 1, m - 1), (2, 2))) - T[m, m]
        r = _nl.norm(_n.stack([mu[0], T[m, m - 1]])).astype(dt)
        c = mu[0] / r
        s = T[m, m - 1] / r
        G = _n.stack([_n.stack([_n.conjugate(c), s]), _n.stack([-s, c])]).astype(dt)
        T_rows = lax.dynamic_slice(T, (m - 1, 0), (2, N))
        col_mask = _n.arange(N) >= m - 1
        G_dot_T_zeroed_cols = G @ _n.where(col_mask, T_rows, 0)
        T_rows_new = _n.where(~col_mask, T_rows, G_dot_T_zeroed_cols)
        T = lax.dynamic_update_slice(T, T_rows_new, (m - 1, 0))
        T_cols = lax.dynamic_slice(T, (0, m - 1), (N, 2))
        row_mask = _n.arange(N)[:, None] < m + 1
        T_zeroed_rows_dot_GH = _n.where(row_mask, T_cols, 0) @ _H(G)
        T_cols_new = _n.where(~row_mask, T_cols, T_zeroed_rows_dot_GH)
        T = lax.dynamic_update_slice(T, T_cols_new, (0, m - 1))
        Z_cols = lax.dynamic_slice(Z, (0, m - 1), (N, 2))
        Z = lax.dynamic_update_slice(Z, Z_cols @ _H(G), (0, m - 1))
        return T, Z

    def _rsf2csf_iter(i, TZ):
        m = N - i
        T, Z = TZ
        T, Z = lax.cond(
            _n.abs(T[m, m - 1]) > eps * (_n.abs(T[m - 1, m - 1]) + _n.abs(T[m, m])),
            _update_T_Z,
            lambda m, T, Z: (T, Z),
            m,
            T,
            Z,
        )
        T = T.at[m, m - 1].set(0.0)
        return T, Z

    return lax.fori_loop(1, N, _rsf2csf_iter, (T, Z))


def _rsf2csf(T, Z):
    return vectorize(_rsf2csf_2d, signature="(n,n),(n,n)->(n,n),(n,n)")(T, Z)


_rsf2csf_jit = jit(_rsf2csf)


def rsf2csf(T: ArrayLike, Z: ArrayLike, check_finite: bool = True) -> tuple[Array, Array]:
    """Converts a real Schur form (T, Z) to the complex Schur form."""
    del check_finite
    T_arr, Z_arr = _asarray(T), _asarray(Z)
    if len(_shape(T_arr)) < 2 or _shape(T_arr)[-1] != _shape(T_arr)[-2]:
        raise ValueError("Input 'T' must be square.")
    if len(_shape(Z_arr)) < 2 or _shape(Z_arr)[-1] != _shape(Z_arr)[-2]:
        raise ValueError("Input 'Z' must be square.")
    if _shape(T_arr)[-1] != _shape(Z_arr)[-1]:
        raise ValueError(
            f"Input array shapes must match: Z: {_shape(Z_arr)} vs. T: {_shape(T_arr)}"
        )
    return _rsf2csf_jit(T_arr, Z_arr)


def _algorithm_11_1_1(F, T):
    N = _shape(T)[0]
    minden = _n.abs(T[0, 0])

    def _outer_loop(p, F_minden):
        _, F, minden = lax.fori_loop(1, N - p + 1, _inner_loop, (p, *F_minden))
        return F, minden

    def _inner_loop(i, p_F_minden):
        p, F, minden = p_F_minden
        j = i + p
        s = T[i - 1, j - 1] * (F[j - 1, j - 1] - F[i - 1, i - 1])
        T_row, T_col = T[i - 1], T[:, j - 1]
        F_row, F_col = F[i - 1], F[:, j - 1]
        ind = (_n.arange(N) >= i) & (_n.arange(N) < j - 1)
        val = _n.where(ind, T_row, 0) @ _n.where(ind, F_col, 0) - _n.where(
            ind, F_row, 0
        ) @ _n.where(ind, T_col, 0)
        s = s + val
        den = T[j - 1, j - 1] - T[i - 1, i - 1]
        s = _n.where(den != 0, s / den, s)
        F = F.at[i - 1, j - 1].set(s)
        minden = _n.minimum(minden, _n.abs(den))
        return p, F, minden

    return lax.fori_loop(1, N, _outer_loop, (F, minden))


def funm(A: ArrayLike, func: Any, disp: bool = True) -> Array | tuple[Array, Array]:
    """The matrix function func(A) through the complex Schur form (Parlett's
    recurrence, as JAX's)."""
    A_arr = _asarray(A)
    if len(_shape(A_arr)) != 2 or _shape(A_arr)[0] != _shape(A_arr)[1]:
        raise ValueError("expected square array_like input")
    T, Z = schur(A_arr)
    T, Z = rsf2csf(T, Z)
    F = _n.diag(func(_n.diagonal(T)))
    F = F.astype(_dtype(T))
    F, minden = jit(_algorithm_11_1_1)(F, T)
    F = Z @ F @ _H(Z)
    if disp:
        return F
    tol = float(np.finfo(_dtype(F)).eps)
    minden = _n.where(minden == 0.0, tol, minden)
    err = _n.where(
        _n.any(_n.isinf(F)),
        np.inf,
        _n.minimum(1, _n.maximum(tol, (tol / minden) * _nl.norm(_ac.triu(T, 1), 1))),
    )
    return F, err


def _solve_sylvester_triangular_scan(R_, S_, F):
    m, n = _shape(F)
    flat_indices = _n.arange(m * n - 1, -1, -1)
    Y0 = _n.zeros((m * n,), dtype=_dtype(F))

    def scan_fn(Y_flat, idx):
        i = idx // n
        j = idx % n
        Y = _n.reshape(Y_flat, (m, n))
        rhs = F[i, j]
        row_term = _n.sum(_n.where(_n.arange(m) > i, R_[i, :] * Y[:, j], 0.0))
        col_term = _n.sum(_n.where(_n.arange(n) > j, Y[i, :] * S_[:, j], 0.0))
        rhs = rhs - (row_term + col_term)
        val = rhs / (R_[i, i] + S_[j, j])
        return Y_flat.at[i * n + j].set(val), None

    Y_flat_final, _ = lax.scan(scan_fn, Y0, flat_indices)
    return _n.reshape(Y_flat_final, (m, n))


def _solve_sylvester_2d(A, B, C, method, tol):
    m, n = _shape(C)[-2:]
    if method == "schur":
        R_, U = _schur(A, "complex")
        S_, V = _schur(_H(B), "complex")
        F = _H(U) @ C.astype(_dtype(R_)) @ V
        Y = _solve_sylvester_triangular_scan(R_, _H(S_), F)
        X = U @ Y @ _H(V)
    elif method == "eigen":
        RA, UA = _nl.eig(A)
        RB, UB = _nl.eig(B)
        F = _nl._solve(UA, C.astype(_dtype(RA)) @ UB)
        W = RA[:, None] + RB[None, :]
        Y = F / W
        X = UA[:m, :m] @ Y[:m, :n] @ _nl._inv(UB)[:n, :n]
    else:
        raise ValueError(
            f'Unrecognized method {method}. The two valid methods are either "schur" or "eigen".'
        )
    if not dtypes.is_complex(_dtype(C)):
        X = _n.real(X)
    ev = _n.abs(_nl.eigvals(A)[:, None] + _nl.eigvals(B)[None, :])
    return lax.cond(_n.any(ev < tol), lambda: _n.zeros_like(X) * np.nan, lambda: X)


def _solve_sylvester(A, B, C, tol, method):
    A, B, C = _inexact(_asarray(A), _asarray(B), _asarray(C))
    m, n = _shape(C)[-2:]
    if _shape(A)[-2:] != (m, m) or _shape(B)[-2:] != (n, n):
        raise ValueError(
            "Incompatible shapes for Sylvester equation:\n"
            f"A: {_shape(A)}\nB: {_shape(B)}\nC: {_shape(C)}"
        )
    return vectorize(
        functools.partial(_solve_sylvester_2d, method=method, tol=tol),
        signature="(m,m),(n,n),(m,n)->(m,n)",
    )(A, B, C)


_solve_sylvester_jit = jit(_solve_sylvester, static_argnames=("method",))


def solve_sylvester(
    A: ArrayLike, B: ArrayLike, C: ArrayLike, *, method: str = "schur", tol: float = 1e-8
) -> Array:
    """Solves A @ X + X @ B = C (Bartels-Stewart through Schur forms, or
    through eigendecompositions with method='eigen'); NaNs where A and -B
    share an eigenvalue (within tol)."""
    return _solve_sylvester_jit(A, B, C, tol, method=method)
