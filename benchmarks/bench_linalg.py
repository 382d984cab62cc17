"""Linear algebra and FFT, mlax vs jax in one process, as ratios (both call
the same LAPACK / DUCC kernels on CPU, so the ratios measure what surrounds
them: layouts, the NaN checks, the derivative programs):

- cholesky + cho_solve 512x512 and its grad;
- eigh 256, svd 256, qr 512 (values);
- fft 2^16 and the grad of a spectral loss;
- the grad of a Gaussian-process log marginal likelihood (n = 500, RBF
  kernel) w.r.t. its length scale and noise.
Steady-state time per call, first-call time (trace + transform + compile),
and the size of the StableHLO each sends to XLA (op count).
"""

from __future__ import annotations

import jax
import jax.numpy as jref
import mlax
import mlax.numpy as jnp
import numpy as np
from _timing import compare_cases


def chol_solve(np_mod, la):
    def f(a, b):
        low = la.cholesky(a)
        y = la.triangular_solve(low, b, left_side=True, lower=True)
        return la.triangular_solve(low, y, left_side=True, lower=True, transpose_a=True)

    return f


def chol_loss(np_mod, la):
    solve = chol_solve(np_mod, la)
    return lambda a, b: np_mod.sum(solve(a, b) ** 2)


def spectral_loss(np_mod, lax):
    return lambda x: np_mod.sum(np_mod.abs(lax.fft(x, "RFFT", (x.shape[-1],))) ** 2)


def gp_nll(np_mod, la):
    def nll(params, x, y):
        ell, noise = params
        d = x[:, None] - x[None, :]
        k = np_mod.exp(-0.5 * d**2 / ell**2) + (noise**2 + 1e-3) * np_mod.eye(x.shape[0])
        low = la.cholesky(k)
        alpha = la.triangular_solve(low, y[:, None], left_side=True, lower=True)
        return 0.5 * np_mod.sum(alpha**2) + np_mod.sum(np_mod.log(np_mod.diagonal(low)))

    return nll


def main():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(512, 512)).astype(np.float32)
    spd = (m @ m.T / 512 + np.eye(512)).astype(np.float32)
    b = rng.normal(size=(512, 8)).astype(np.float32)
    s256 = rng.normal(size=(256, 256)).astype(np.float32)
    sym256 = s256 + s256.T
    sig = rng.normal(size=2**16).astype(np.float32)
    x = np.sort(rng.uniform(0, 10, 500)).astype(np.float32)
    y = (np.sin(x) + 0.1 * rng.normal(size=500)).astype(np.float32)
    params = np.array([1.0, 0.3], np.float32)
    ml, jl = mlax.lax.linalg, jax.lax.linalg
    cases = [
        (
            "cholesky+solve 512",
            lambda: mlax.jit(chol_solve(jnp, ml)),
            lambda: jax.jit(chol_solve(jref, jl)),
            (spd, b),
        ),
        (
            "grad cholesky+solve 512",
            lambda: mlax.jit(mlax.grad(chol_loss(jnp, ml), (0, 1))),
            lambda: jax.jit(jax.grad(chol_loss(jref, jl), (0, 1))),
            (spd, b),
        ),
        (
            "eigh 256",
            lambda: mlax.jit(lambda a: ml.eigh(a)),
            lambda: jax.jit(lambda a: jl.eigh(a)),
            (sym256,),
        ),
        (
            "svd 256",
            lambda: mlax.jit(lambda a: ml.svd(a)),
            lambda: jax.jit(lambda a: jl.svd(a)),
            (s256,),
        ),
        ("qr 512", lambda: mlax.jit(lambda a: ml.qr(a)), lambda: jax.jit(lambda a: jl.qr(a)), (m,)),
        (
            "rfft 2^16",
            lambda: mlax.jit(lambda x: mlax.lax.fft(x, "RFFT", (2**16,))),
            lambda: jax.jit(lambda x: jax.lax.fft(x, "RFFT", (2**16,))),
            (sig,),
        ),
        (
            "grad spectral loss 2^16",
            lambda: mlax.jit(mlax.grad(spectral_loss(jnp, mlax.lax))),
            lambda: jax.jit(jax.grad(spectral_loss(jref, jax.lax))),
            (sig,),
        ),
        (
            "grad GP nll n=500",
            lambda: mlax.jit(mlax.grad(gp_nll(jnp, ml))),
            lambda: jax.jit(jax.grad(gp_nll(jref, jl))),
            (params, x, y),
        ),
    ]
    compare_cases(cases, width=26)


if __name__ == "__main__":
    main()
