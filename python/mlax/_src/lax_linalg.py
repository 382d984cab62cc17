"""lax.linalg: the matrix decompositions and solves of the mlax dialect
(cholesky, triangular_solve, eigh, svd, qr, lu, eig, ...), with jax's
signatures, return conventions and errors. Their derivative and batching
rules are the ops' own (C++); export calls LAPACK on CPU."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlax._src import dtypes
from mlax._src import lax as _lax
from mlax._src import numpy_impl as _n
from mlax._src.core import Array, ArrayLike, Primitive, Tracer, aval_of
from mlax._src.mlir import tensor_type
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as m

_TRANSPOSE = {"NO_TRANSPOSE": 0, "TRANSPOSE": 1, "ADJOINT": 2}


def _i32(v: int):
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(32), v)


def _asarray(x: ArrayLike):
    return x if isinstance(x, (Array, Tracer)) else _n.asarray(x)


def _check_matrices(name: str, x, square: bool = True, symmetrize: bool = False) -> None:
    """jax's shape errors: TypeError for rank < 2, ValueError for non-square
    matrices (TypeError when the input is symmetrized first, from the add,
    as in jax)."""
    aval = aval_of(x)
    if len(aval.shape) < 2:
        raise TypeError(f"Input 0 to {name} must have rank at least 2, but got shape={aval.shape}")
    if square and aval.shape[-1] != aval.shape[-2]:
        cls = TypeError if symmetrize else ValueError
        raise cls(f"The input to {name} must be a square matrix. Got shape {aval.shape}.")


def _check_inexact(name: str, x) -> None:
    dt = aval_of(x).dtype
    if not (dtypes.is_float(dt) or dtypes.is_complex(dt)):
        raise TypeError(f"{name} requires floating or complex inputs, got dtype {dt.name}")


def _swap(x):
    nd = len(aval_of(x).shape)
    return _lax.transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def _H(x):
    return _lax.conj(_swap(x))


def symmetrize(x: ArrayLike):
    """(x + x^H) / 2: the Hermitian part that the decompositions read."""
    x = _asarray(x)
    return _lax.div(_lax.add(x, _H(x)), _n.asarray(2, dtype=aval_of(x).dtype))


# --- cholesky --------------------------------------------------------------

_cholesky_p = Primitive(
    "cholesky", lambda values, avals: m.CholeskyOp(values[0]).result, weak="none"
)


def cholesky(x: ArrayLike, *, symmetrize_input: bool = True):
    """Lower Cholesky factor L (x = L L^H) of each trailing matrix; NaNs
    where a matrix is not positive definite."""
    x = _asarray(x)
    _check_matrices("cholesky", x, symmetrize=symmetrize_input)
    _check_inexact("cholesky", x)
    if symmetrize_input:
        x = symmetrize(x)
    return _cholesky_p.bind(x)


# --- triangular_solve ------------------------------------------------------


def _triangular_solve_emit(values, avals, *, left_side, lower, unit_diagonal, transpose_a):
    a, b = values
    return m.TriangularSolveOp(
        b.type,
        a,
        b,
        ir.BoolAttr.get(left_side),
        ir.BoolAttr.get(lower),
        ir.BoolAttr.get(unit_diagonal),
        _i32(_TRANSPOSE[transpose_a]),
    ).result


_triangular_solve_p = Primitive("triangular_solve", _triangular_solve_emit, weak="none")


def triangular_solve(
    a: ArrayLike,
    b: ArrayLike,
    *,
    left_side: bool = False,
    lower: bool = False,
    transpose_a: bool = False,
    conjugate_a: bool = False,
    unit_diagonal: bool = False,
):
    """Solves op(a) x = b (left_side) or x op(a) = b for triangular a, op
    being the identity, transpose or conjugate transpose. Only the
    triangle `lower` selects is read. b may have one dimension fewer than
    a (a single right-hand side)."""
    a, b = _asarray(a), _asarray(b)
    _check_matrices("triangular_solve", a)
    _check_inexact("triangular_solve", a)
    aa, ab = aval_of(a), aval_of(b)
    if aa.dtype != ab.dtype:
        raise TypeError(
            "triangular_solve requires a and b to have the same dtype, got "
            f"{aa.dtype.name} and {ab.dtype.name}"
        )
    conjugate_a = bool(conjugate_a) and dtypes.is_complex(aa.dtype)
    singleton = len(ab.shape) == len(aa.shape) - 1
    if singleton:
        b = _n.expand_dims(b, (-1 if left_side else -2,))
        ab = aval_of(b)
    m_ = aa.shape[-1]
    if len(ab.shape) != len(aa.shape) or ab.shape[:-2] != aa.shape[:-2]:
        raise TypeError(
            "triangular_solve requires both arguments to have the same number "
            f"of dimensions and equal batch dimensions, got {aa.shape} and {ab.shape}"
        )
    got = ab.shape[-2] if left_side else ab.shape[-1]
    if got != m_:
        side = "rows" if left_side else "columns"
        raise TypeError(
            f"triangular_solve requires b's {side} ({got}) to match the size of a "
            f"({m_}), got shapes {aa.shape} and {ab.shape}"
        )
    if conjugate_a and not transpose_a:
        a, conjugate_a = _lax.conj(a), False
    kind = "NO_TRANSPOSE" if not transpose_a else ("ADJOINT" if conjugate_a else "TRANSPOSE")
    out = _triangular_solve_p.bind(
        a,
        b,
        left_side=bool(left_side),
        lower=bool(lower),
        unit_diagonal=bool(unit_diagonal),
        transpose_a=kind,
    )
    if singleton:
        out = _n.squeeze(out, (-1,) if left_side else (-2,))
    return out


# --- decompositions (LAPACK on CPU) ----------------------------------------


def _real_dtype(dt: np.dtype) -> np.dtype:
    return (
        np.dtype(np.float32 if dt == np.complex64 else np.float64) if dtypes.is_complex(dt) else dt
    )


_VARIADIC = (m.SvdOp, m.EigOp, m.SchurOp)  # ops whose results are one variadic group


def _emit_with_results(op_cls):
    def emit(values, avals, *, types, **params):
        results = [tensor_type(s, d) for s, d in types]
        args = [ir.BoolAttr.get(v) for v in params.values()]
        op = (
            op_cls(*results, *values, *args)
            if op_cls not in _VARIADIC
            else op_cls(results, *values, *args)
        )
        return list(op.results)

    return emit


_eigh_p = Primitive("eigh", _emit_with_results(m.EighOp), multiple_results=True, weak="none")
_svd_p = Primitive("svd", _emit_with_results(m.SvdOp), multiple_results=True, weak="none")
_qr_p = Primitive("qr", _emit_with_results(m.QrOp), multiple_results=True, weak="none")
_lu_p = Primitive("lu", _emit_with_results(m.LuOp), multiple_results=True, weak="none")
_geqrf_p = Primitive("geqrf", _emit_with_results(m.GeqrfOp), multiple_results=True, weak="none")
_householder_product_p = Primitive(
    "householder_product",
    lambda values, avals, *, types: m.HouseholderProductOp(tensor_type(*types[0]), *values).result,
    weak="none",
)


_LAPACK_DTYPES = tuple(np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128))


def _prepare(name: str, x, square: bool = False, symmetrize: bool = False):
    x = _asarray(x)
    _check_matrices(name, x, square, symmetrize)
    _check_inexact(name, x)
    aval = aval_of(x)
    if aval.dtype not in _LAPACK_DTYPES:
        raise NotImplementedError(f"{name}: unsupported dtype {aval.dtype.name} (LAPACK on CPU)")
    return x, aval


def eigh(
    x: ArrayLike,
    *,
    lower: bool = True,
    symmetrize_input: bool = True,
    sort_eigenvalues: bool = True,
    subset_by_index: tuple[int, int] | None = None,
):
    """(v, w): eigenvectors (columns) and ascending real eigenvalues of the
    Hermitian matrices x (only the `lower` triangle is read)."""
    x, aval = _prepare("eigh", x, square=True, symmetrize=symmetrize_input)
    n = aval.shape[-1]
    if subset_by_index is not None and tuple(subset_by_index) != (0, n):
        raise NotImplementedError("subset_by_index not supported on CPU and GPU")
    if symmetrize_input:
        x = symmetrize(x)
    v, w = _eigh_p.bind(
        x,
        types=((aval.shape, aval.dtype), (aval.shape[:-1], _real_dtype(aval.dtype))),
        lower=bool(lower),
    )
    return v, w


def svd(
    x: ArrayLike,
    *,
    full_matrices: bool = True,
    compute_uv: bool = True,
    subset_by_index: tuple[int, int] | None = None,
    algorithm: Any = None,
):
    """(u, s, vh) with x = u diag(s) vh (s descending), or s alone."""
    x, aval = _prepare("svd", x)
    *batch, m_, n = aval.shape
    k = min(m_, n)
    if subset_by_index is not None and tuple(subset_by_index) != (0, k):
        raise NotImplementedError("subset_by_index not implemented for CPU and GPU")
    batch = tuple(batch)
    types = [(batch + (k,), _real_dtype(aval.dtype))]
    if compute_uv:
        types.append((batch + (m_, m_ if full_matrices else k), aval.dtype))
        types.append((batch + (n if full_matrices else k, n), aval.dtype))
    out = _svd_p.bind(
        x, types=tuple(types), full_matrices=bool(full_matrices), compute_uv=bool(compute_uv)
    )
    if compute_uv:
        s, u, vh = out
        return u, s, vh
    return out[0]


def qr(
    x: ArrayLike,
    *,
    pivoting: bool = False,
    full_matrices: bool = True,
    use_magma: bool | None = None,
):
    """(q, r) with x = q r; q is [m, m] when full_matrices, else [m, k]."""
    if pivoting:
        raise NotImplementedError("qr(pivoting=True) is not supported by mlax yet")
    x, aval = _prepare("qr", x)
    *batch, m_, n = aval.shape
    k = m_ if full_matrices else min(m_, n)
    batch = tuple(batch)
    q, r = _qr_p.bind(
        x,
        types=((batch + (m_, k), aval.dtype), (batch + (k, n), aval.dtype)),
        full_matrices=bool(full_matrices),
    )
    return q, r


def lu(x: ArrayLike):
    """(lu, pivots, permutation): LU with partial pivoting, L unit-lower below
    the diagonal of `lu` and U on and above it; x[permutation] = L U."""
    x, aval = _prepare("lu", x)
    *batch, m_, n = aval.shape
    batch = tuple(batch)
    i32 = np.dtype(np.int32)
    out = _lu_p.bind(
        x,
        types=(
            (aval.shape, aval.dtype),
            (batch + (min(m_, n),), i32),
            (batch + (m_,), i32),
        ),
    )
    return list(out)  # a list, as jax returns it


def geqrf(a: ArrayLike):
    """(a', taus): LAPACK's compact Householder QR."""
    a, aval = _prepare("geqrf", a)
    *batch, m_, n = aval.shape
    out = _geqrf_p.bind(
        a, types=((aval.shape, aval.dtype), (tuple(batch) + (min(m_, n),), aval.dtype))
    )
    return tuple(out)


def householder_product(a: ArrayLike, taus: ArrayLike):
    """The first n columns of the product of the Householder reflectors in
    a's lower part, scaled by taus (LAPACK's orgqr/ungqr)."""
    a, aval = _prepare("householder_product", a)
    taus = _asarray(taus)
    at = aval_of(taus)
    *batch, m_, n = aval.shape
    if m_ < n:
        raise ValueError(
            f"householder_product requires a.shape[-2] >= a.shape[-1], got {aval.shape}"
        )
    if at.dtype != aval.dtype or at.shape[:-1] != tuple(batch) or at.shape[-1] > n:
        raise ValueError(
            "householder_product requires taus of shape [..., k] with k <= n and a's "
            f"batch dimensions and dtype, got a {aval.shape} {aval.dtype} and taus "
            f"{at.shape} {at.dtype}"
        )
    return _householder_product_p.bind(a, taus, types=((aval.shape, aval.dtype),))


def lu_pivots_to_permutation(pivots: ArrayLike, permutation_size: int):
    """The permutation of 0..permutation_size-1 that the row swaps
    i <-> pivots[..., i] make, applied in order."""
    pivots = _asarray(pivots)
    pa = aval_of(pivots)
    if not dtypes.is_integer(pa.dtype) or len(pa.shape) < 1:
        raise ValueError(
            f"Argument to lu_pivots_to_permutation must be an integer array of rank >= 1, got {pa}"
        )
    if pa.dtype != np.int32:
        pivots = _lax.convert_element_type(pivots, np.int32)
    k = pa.shape[-1]
    size = int(permutation_size)
    if size < k:
        raise ValueError(
            f"Output permutation size {size} has to exceed the trailing dimension of "
            f"the pivots. Got pivots of shape {pa.shape}"
        )
    batch = pa.shape[:-1]
    perm = _lax.broadcasted_iota(np.int32, batch + (size,), len(batch))
    iota = perm

    def body(i, p):
        j = _n.take(pivots, i, axis=-1)[..., None]
        at_j = _lax.eq(iota, j)
        pi = _n.take(p, i, axis=-1)[..., None]
        pj = _n.sum(_n.where(at_j, p, 0), axis=-1, keepdims=True, dtype=np.int32)
        p = _n.where(at_j, pi, p)
        at_i = _lax.eq(iota, _n.asarray(i, dtype=np.int32))
        return _n.where(at_i, pj, p)

    return _lax.fori_loop(0, k, body, perm)


_eig_p = Primitive("eig", _emit_with_results(m.EigOp), multiple_results=True, weak="none")


def _complex_dtype(dt: np.dtype) -> np.dtype:
    if dtypes.is_complex(dt):
        return dt
    return np.dtype(np.complex128 if dt == np.float64 else np.complex64)


def eig(
    x: ArrayLike,
    *,
    compute_left_eigenvectors: bool = True,
    compute_right_eigenvectors: bool = True,
    use_magma: bool | None = None,
) -> list:
    """[w, vl?, vr?]: the complex eigenvalues of general square matrices and,
    as asked, the left and right eigenvectors (columns). CPU only, as in
    jax. Differentiable in the eigenvalues."""
    x, aval = _prepare("eig", x, square=True)
    c = _complex_dtype(aval.dtype)
    types = [(aval.shape[:-1], c)]
    types += [(aval.shape, c)] * (
        bool(compute_left_eigenvectors) + bool(compute_right_eigenvectors)
    )
    return list(
        _eig_p.bind(
            x,
            types=tuple(types),
            compute_left_eigenvectors=bool(compute_left_eigenvectors),
            compute_right_eigenvectors=bool(compute_right_eigenvectors),
        )
    )


def tridiagonal_solve(dl: ArrayLike, d: ArrayLike, du: ArrayLike, b: ArrayLike):
    """Solves the tridiagonal systems with sub-, main and super-diagonals dl,
    d, du ([..., m]; dl[..., 0] and du[..., -1] are ignored) for the
    right-hand sides b ([..., m, n]): the Thomas algorithm as two scans (so
    every transformation of scan applies)."""
    dl, d, du, b = (_asarray(v) for v in (dl, d, du, b))
    avals = [aval_of(v) for v in (dl, d, du)]
    ab = aval_of(b)
    if len(ab.shape) < 2:
        raise ValueError(f"tridiagonal_solve requires b of rank >= 2, got shape {ab.shape}")
    m_ = ab.shape[-2]
    for name, a in zip(("dl", "d", "du"), avals):
        if a.shape != ab.shape[:-1]:
            raise ValueError(
                f"tridiagonal_solve requires {name} of shape {ab.shape[:-1]} (b's without its "
                f"last dimension), got {a.shape}"
            )
        if a.dtype != ab.dtype:
            raise ValueError(
                f"tridiagonal_solve requires one dtype, got {name} {a.dtype} and b {ab.dtype}"
            )
    _check_inexact("tridiagonal_solve", b)
    if m_ == 0:
        return b
    nd = len(ab.shape)

    def front(x, axis):
        return _n.moveaxis(x, axis, 0)

    dl_, d_, du_ = (front(v, -1) for v in (dl, d, du))
    b_ = front(b, -2)
    zero_c = _n.zeros_like(d_[0])
    zero_b = _n.zeros_like(b_[0])

    def forward(carry, row):
        c_prev, y_prev = carry
        l, dd, u, bb = row
        denom = dd - l * c_prev
        c = u / denom
        y = (bb - l[..., None] * y_prev) / denom[..., None]
        return (c, y), (c, y)

    # The first row has no sub-diagonal term.
    dl0 = _n.concatenate([_n.zeros_like(dl_[:1]), dl_[1:]], axis=0)
    _, (cs, ys) = _lax.scan(forward, (zero_c, zero_b), (dl0, d_, du_, b_))

    def backward(x_next, row):
        c, y = row
        x = y - c[..., None] * x_next
        return x, x

    # The last row has no super-diagonal term: its x is its y.
    cs = _n.concatenate([cs[:-1], _n.zeros_like(cs[-1:])], axis=0)
    _, xs = _lax.scan(backward, zero_b, (cs, ys), reverse=True)
    return _n.moveaxis(xs, 0, nd - 2)


_schur_p = Primitive("schur", _emit_with_results(m.SchurOp), multiple_results=True, weak="none")


def schur(
    x: ArrayLike,
    *,
    compute_schur_vectors: bool = True,
    sort_eig_vals: bool = False,
    select_callable: Any = None,
):
    """(T, Z) with x = Z T Z^H, T the (quasi-)upper-triangular Schur form
    (or T alone). CPU only and not differentiable, as in jax."""
    if sort_eig_vals or select_callable is not None:
        raise NotImplementedError("The sort feature of LAPACK's gees routine is not implemented.")
    x, aval = _prepare("schur", x, square=True)
    n_out = 2 if compute_schur_vectors else 1
    out = _schur_p.bind(
        x,
        types=((aval.shape, aval.dtype),) * n_out,
        compute_schur_vectors=bool(compute_schur_vectors),
    )
    return list(out)  # a list, as jax returns it


def symmetric_product(
    a_matrix: ArrayLike,
    c_matrix: ArrayLike,
    *,
    alpha: float = 1.0,
    beta: float = 0.0,
    symmetrize_output: bool = False,
):
    """alpha a a^T + beta c for [..., m, n] a and symmetric [..., m, m] c
    (the whole matrix is computed, so `symmetrize_output` changes nothing
    but is accepted)."""
    a, c = _asarray(a_matrix), _asarray(c_matrix)
    aa, ac = aval_of(a), aval_of(c)
    m_ = aa.shape[-2]
    if ac.shape[-2:] != (m_, m_) or ac.shape[:-2] != aa.shape[:-2]:
        raise ValueError(
            "symmetric_product requires c of shape [..., m, m] matching a [..., m, n], got "
            f"{aa.shape} and {ac.shape}"
        )
    out = _n.matmul(a, _swap(a))
    return _n.asarray(alpha, dtype=aa.dtype) * out + _n.asarray(beta, dtype=aa.dtype) * c


def cholesky_update(r_matrix: ArrayLike, w_vector: ArrayLike):
    """The upper Cholesky factor of r^T r + w w^T (a rank-one update of the
    upper factor r, [n, n]) by Givens rotations, as jax's fallback."""
    r, w = _asarray(r_matrix), _asarray(w_vector)
    ar, aw = aval_of(r), aval_of(w)
    if len(ar.shape) != 2 or ar.shape[0] != ar.shape[1] or aw.shape != (ar.shape[0],):
        raise ValueError(
            "Rank-1 update to Cholesky decomposition takes a square matrix and a vector "
            f"of the same size as input, got {ar.shape} and {aw.shape}"
        )
    n = ar.shape[0]
    one, zero = _n.asarray(1, dtype=ar.dtype), _n.asarray(0, dtype=ar.dtype)
    for k in range(n):
        x, y = r[k, k], w[k]
        ax, ay = _n.abs(x), _n.abs(y)
        den = _n.where(ax > ay, ax, ay)
        safe = _n.where(y == 0, one, den)
        xs, ys = x / safe, y / safe
        rh = 1 / _n.sqrt(xs**2 + ys**2)
        c = _n.where(y == 0, one, xs * rh)
        s = _n.where(y == 0, zero, -ys * rh)
        row = r[k, :]
        r = r.at[k, :].set(c * row - s * w)
        w = c * w + s * row
    return r


def ormqr(
    a: ArrayLike, taus: ArrayLike, c: ArrayLike, *, left: bool = True, transpose: bool = False
):
    """Q @ c (left) or c @ Q, with Q^H instead when `transpose`, for the Q of
    the Householder reflectors in a ([..., m, n]) and taus (geqrf's form)."""
    a, taus, c = _asarray(a), _asarray(taus), _asarray(c)
    aa, ac = aval_of(a), aval_of(c)
    m_, n = aa.shape[-2:]
    if left and ac.shape[-2] != m_:
        raise ValueError(
            "ormqr with left=True expects c to have the same number of rows as the "
            f"Householder matrix a. Got a shape {aa.shape} and c shape {ac.shape}."
        )
    if not left and ac.shape[-1] != m_:
        raise ValueError(
            "ormqr with left=False expects c to have the same number of columns as the "
            f"Householder matrix a has rows. Got a shape {aa.shape} and c shape {ac.shape}."
        )
    if n < m_:
        config = [(0, 0, 0)] * (len(aa.shape) - 1) + [(0, m_ - n, 0)]
        a = _lax.pad(a, _n.asarray(0, dtype=aa.dtype), config)
    elif n > m_:
        a = a[..., :, :m_]
    q = householder_product(a, taus)
    if transpose:
        q = _H(q)
    return _n.matmul(q, c) if left else _n.matmul(c, q)
