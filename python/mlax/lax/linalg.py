"""mlax.lax.linalg: matrix decompositions and solves (jax.lax.linalg)."""

from mlax._src.lax_linalg import (  # noqa: F401
    cholesky,
    cholesky_update,
    eig,
    eigh,
    geqrf,
    householder_product,
    lu,
    lu_pivots_to_permutation,
    ormqr,
    qr,
    schur,
    svd,
    symmetric_product,
    symmetrize,
    triangular_solve,
    tridiagonal_solve,
)

__all__ = [
    "cholesky",
    "cholesky_update",
    "eig",
    "eigh",
    "geqrf",
    "householder_product",
    "lu",
    "lu_pivots_to_permutation",
    "ormqr",
    "qr",
    "schur",
    "svd",
    "symmetric_product",
    "symmetrize",
    "triangular_solve",
    "tridiagonal_solve",
]
