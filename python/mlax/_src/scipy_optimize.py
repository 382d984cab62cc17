"""scipy.optimize.minimize (BFGS) and line_search, as jax.scipy.optimize.

BFGS is Nocedal & Wright's Algorithm 6.1 with a strong-Wolfe line search
(Algorithms 3.5 and 3.6: bracketing, then zooming by cubic, quadratic or
bisection steps); the loops are lax.while_loops over dict states, so a
minimize runs under jit and vmap. The step choices, constants and status
codes are JAX's, so iterates agree with jax.scipy.optimize's to rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from mlax._src import lax
from mlax._src import numpy_impl as jnp
from mlax._src.autodiff import value_and_grad
from mlax._src.core import Array, aval_of

__all__ = ["OptimizeResults", "line_search", "minimize"]


class OptimizeResults(NamedTuple):
    """The result of minimize: the solution x, success, status (0 converged,
    1 maximum BFGS iterations, 3 zoom failed, 4 saddle point, 5 maximum line
    search iterations, -1 undefined), fun and jac at x, hess_inv (the
    inverse-Hessian estimate), nfev, njev, nit."""

    x: Array
    success: Any
    status: Any
    fun: Array
    jac: Array
    hess_inv: Array | None
    nfev: Any
    njev: Any
    nit: Any


class _LineSearchResults(NamedTuple):
    failed: Any
    nit: Any
    nfev: Any
    ngev: Any
    k: Any
    a_k: Any
    f_k: Array
    g_k: Array
    status: Any


def _pick(cond, old: dict, new: dict) -> dict:
    """old with the entries of new where cond holds (a scalar predicate)."""
    out = dict(old)
    for k, v in new.items():
        out[k] = jnp.where(cond, v, old[k])
    return out


def _cubicmin(a, fa, fpa, b, fb, c, fc):
    """The minimizer of the cubic through (a, fa) with slope fpa, (b, fb), (c, fc)."""
    db, dc = b - a, c - a
    denom = (db * dc) ** 2 * (db - dc)
    r1 = fb - fa - fpa * db
    r2 = fc - fa - fpa * dc
    A = (dc**2 * r1 - db**2 * r2) / denom
    B = (-(dc**3) * r1 + db**3 * r2) / denom
    return a + (-B + jnp.sqrt(B * B - 3.0 * A * fpa)) / (3.0 * A)


def _quadmin(a, fa, fpa, b, fb):
    """The minimizer of the parabola through (a, fa) with slope fpa and (b, fb)."""
    db = b - a
    B = (fb - fa - fpa * db) / db**2
    return a - fpa / (2.0 * B)


def _zoom(phi_and_grad, wolfe_one, wolfe_two, lo, hi, g0, skip):
    """Algorithm 3.6: shrinks the bracket [lo, hi] (each (a, phi, dphi)) to a
    step that satisfies the strong Wolfe conditions; nothing when `skip`."""
    a_lo, phi_lo, dphi_lo = lo
    a_hi, phi_hi, dphi_hi = hi
    dt = aval_of(phi_lo).dtype
    s = dict(
        done=jnp.asarray(False),
        failed=jnp.asarray(False),
        j=jnp.asarray(0),
        a_lo=a_lo,
        phi_lo=phi_lo,
        dphi_lo=dphi_lo,
        a_hi=a_hi,
        phi_hi=phi_hi,
        dphi_hi=dphi_hi,
        a_rec=(a_lo + a_hi) / 2.0,
        phi_rec=(phi_lo + phi_hi) / 2.0,
        a_star=jnp.ones_like(a_lo),
        phi_star=phi_lo,
        dphi_star=dphi_lo,
        g_star=g0,
        nfev=jnp.asarray(0),
        ngev=jnp.asarray(0),
    )
    threshold = 1e-5 if np.finfo(dt).bits < 64 else 1e-10

    def body(s):
        width = s["a_hi"] - s["a_lo"]
        a, b = jnp.minimum(s["a_hi"], s["a_lo"]), jnp.maximum(s["a_hi"], s["a_lo"])
        s = dict(s, failed=s["failed"] | (width <= threshold))
        cubic = _cubicmin(
            s["a_lo"], s["phi_lo"], s["dphi_lo"], s["a_hi"], s["phi_hi"], s["a_rec"], s["phi_rec"]
        )
        use_cubic = (s["j"] > 0) & (cubic > a + 0.2 * width) & (cubic < b - 0.2 * width)
        quad = _quadmin(s["a_lo"], s["phi_lo"], s["dphi_lo"], s["a_hi"], s["phi_hi"])
        use_quad = ~use_cubic & (quad > a + 0.1 * width) & (quad < b - 0.1 * width)
        a_j = jnp.where(use_cubic, cubic, jnp.where(use_quad, quad, (s["a_lo"] + s["a_hi"]) / 2.0))
        phi_j, dphi_j, g_j = phi_and_grad(a_j)
        s = dict(s, nfev=s["nfev"] + 1, ngev=s["ngev"] + 1)
        hi_to_j = wolfe_one(a_j, phi_j) | (phi_j >= s["phi_lo"])
        star_to_j = wolfe_two(dphi_j) & ~hi_to_j
        hi_to_lo = (dphi_j * (s["a_hi"] - s["a_lo"]) >= 0.0) & ~hi_to_j & ~star_to_j
        lo_to_j = ~hi_to_j & ~star_to_j
        s = _pick(
            hi_to_j,
            s,
            dict(a_hi=a_j, phi_hi=phi_j, dphi_hi=dphi_j, a_rec=s["a_hi"], phi_rec=s["phi_hi"]),
        )
        s = _pick(star_to_j, s, dict(a_star=a_j, phi_star=phi_j, dphi_star=dphi_j, g_star=g_j))
        s = dict(s, done=s["done"] | star_to_j)
        s = _pick(
            hi_to_lo,
            s,
            dict(
                a_hi=s["a_lo"],
                phi_hi=s["phi_lo"],
                dphi_hi=s["dphi_lo"],
                a_rec=s["a_hi"],
                phi_rec=s["phi_hi"],
            ),
        )
        s = _pick(lo_to_j & ~hi_to_lo, s, dict(a_rec=s["a_lo"], phi_rec=s["phi_lo"]))
        s = _pick(lo_to_j, s, dict(a_lo=a_j, phi_lo=phi_j, dphi_lo=dphi_j))
        j = s["j"] + 1
        return dict(s, j=j, failed=s["failed"] | (j >= 30))

    return lax.while_loop(lambda s: ~s["done"] & ~skip & ~s["failed"], body, s)


def line_search(
    f: Callable,
    xk: Any,
    pk: Any,
    old_fval: Any = None,
    old_old_fval: Any = None,
    gfk: Any = None,
    c1: float = 1e-4,
    c2: float = 0.9,
    maxiter: int = 20,
) -> _LineSearchResults:
    """Inexact line search along the descent direction pk from xk that meets
    the strong Wolfe conditions (constants c1, c2), Nocedal & Wright's
    Algorithm 3.5; old_fval / gfk save an evaluation at xk and old_old_fval
    sets the first trial step."""
    xk, pk = jnp.asarray(xk), jnp.asarray(pk)
    dt = np.result_type(aval_of(xk).dtype, aval_of(pk).dtype, np.float32)
    xk, pk = xk.astype(dt), pk.astype(dt)

    def phi_and_grad(t):
        phi, g = value_and_grad(f)(xk + jnp.asarray(t, dt) * pk)
        return phi, jnp.real(jnp.dot(g, pk)), g

    evaluated = old_fval is None or gfk is None
    if evaluated:
        phi0, dphi0, gfk = phi_and_grad(0.0)
    else:
        phi0, gfk = jnp.asarray(old_fval), jnp.asarray(gfk)
        dphi0 = jnp.real(jnp.dot(gfk, pk))
    if old_old_fval is not None:
        candidate = 1.01 * 2 * (phi0 - old_old_fval) / dphi0
        start = jnp.where(candidate > 1, 1.0, candidate)
    else:
        start = jnp.asarray(1.0)
    start = start.astype(aval_of(phi0).dtype)

    def wolfe_one(a, phi):  # sufficient decrease fails
        return phi > phi0 + c1 * a * dphi0

    def wolfe_two(dphi):  # curvature condition holds
        return jnp.abs(dphi) <= -c2 * dphi0

    zero = jnp.zeros_like(start)
    s = dict(
        done=jnp.asarray(False),
        failed=jnp.asarray(False),
        i=jnp.asarray(1),
        a_i1=zero,
        phi_i1=phi0,
        dphi_i1=dphi0,
        nfev=jnp.asarray(1 if evaluated else 0),
        ngev=jnp.asarray(1 if evaluated else 0),
        a_star=zero,
        phi_star=phi0,
        dphi_star=dphi0,
        g_star=gfk,
    )
    star_keys = ("a_star", "phi_star", "dphi_star", "g_star")

    def body(s):
        a_i = jnp.where(s["i"] == 1, start, s["a_i1"] * 2.0)
        phi_i, dphi_i, g_i = phi_and_grad(a_i)
        zoom1_now = wolfe_one(a_i, phi_i) | ((phi_i >= s["phi_i1"]) & (s["i"] > 1))
        star_now = wolfe_two(dphi_i) & ~zoom1_now
        zoom2_now = (dphi_i >= 0.0) & ~zoom1_now & ~star_now
        prev, cur = (s["a_i1"], s["phi_i1"], s["dphi_i1"]), (a_i, phi_i, dphi_i)
        z1 = _zoom(phi_and_grad, wolfe_one, wolfe_two, prev, cur, gfk, ~zoom1_now)
        z2 = _zoom(phi_and_grad, wolfe_one, wolfe_two, cur, prev, gfk, ~zoom2_now)
        s = dict(
            s,
            nfev=s["nfev"] + 1 + z1["nfev"] + z2["nfev"],
            ngev=s["ngev"] + 1 + z1["ngev"] + z2["ngev"],
        )
        s = _pick(zoom1_now, s, {k: z1[k] for k in star_keys})
        s = dict(s, done=s["done"] | zoom1_now, failed=s["failed"] | (zoom1_now & z1["failed"]))
        s = _pick(star_now, s, dict(a_star=a_i, phi_star=phi_i, dphi_star=dphi_i, g_star=g_i))
        s = dict(s, done=s["done"] | star_now)
        s = _pick(zoom2_now, s, {k: z2[k] for k in star_keys})
        s = dict(s, done=s["done"] | zoom2_now, failed=s["failed"] | (zoom2_now & z2["failed"]))
        return dict(s, i=s["i"] + 1, a_i1=a_i, phi_i1=phi_i, dphi_i1=dphi_i)

    s = lax.while_loop(lambda s: ~s["done"] & (s["i"] <= maxiter) & ~s["failed"], body, s)
    status = jnp.where(s["failed"], 1, jnp.where(s["i"] > maxiter, 3, 0))
    a_k = s["a_star"]
    if np.finfo(aval_of(a_k).dtype).bits != 64:  # keep a usable step in 32 bits
        a_k = jnp.where(jnp.abs(a_k) < 1e-8, jnp.sign(a_k) * 1e-8, a_k)
    return _LineSearchResults(
        failed=s["failed"] | ~s["done"],
        nit=s["i"] - 1,
        nfev=s["nfev"],
        ngev=s["ngev"],
        k=s["i"],
        a_k=a_k,
        f_k=s["phi_star"],
        g_k=s["g_star"],
        status=status,
    )


def _norm(x, ord):
    if ord == np.inf:
        return jnp.max(jnp.abs(x))
    if ord == -np.inf:
        return jnp.min(jnp.abs(x))
    return jnp.sum(jnp.abs(x) ** ord) ** (1.0 / ord)


def _minimize_bfgs(fun, x0, maxiter=None, norm=np.inf, gtol=1e-5, line_search_maxiter=10):
    """Nocedal & Wright's Algorithm 6.1 from x0 (a 1-D array)."""
    if maxiter is None:
        maxiter = int(np.size(x0)) * 200
    d = aval_of(x0).shape[0]
    dt = aval_of(x0).dtype
    f0, g0 = value_and_grad(fun)(x0)
    s = dict(
        converged=_norm(g0, norm) < gtol,
        failed=jnp.asarray(False),
        k=jnp.asarray(0),
        nfev=jnp.asarray(1),
        ngev=jnp.asarray(1),
        x_k=x0,
        f_k=f0,
        g_k=g0,
        H_k=jnp.eye(d, dtype=dt),
        old_old_fval=f0 + _norm(g0, 2) / 2,
        ls_status=jnp.asarray(0),
    )

    def body(s):
        p = -jnp.dot(s["H_k"], s["g_k"])
        ls = line_search(
            fun,
            s["x_k"],
            p,
            old_fval=s["f_k"],
            old_old_fval=s["old_old_fval"],
            gfk=s["g_k"],
            maxiter=line_search_maxiter,
        )
        step = ls.a_k.astype(dt) * p
        y = ls.g_k - s["g_k"]
        rho = 1.0 / jnp.dot(y, step)
        w = jnp.eye(d, dtype=dt) - rho * step[:, None] * y[None, :]
        H = w @ s["H_k"] @ w.T + rho * step[:, None] * step[None, :]
        return dict(
            converged=_norm(ls.g_k, norm) < gtol,
            failed=ls.failed,
            k=s["k"] + 1,
            nfev=s["nfev"] + ls.nfev,
            ngev=s["ngev"] + ls.ngev,
            x_k=s["x_k"] + step,
            f_k=ls.f_k,
            g_k=ls.g_k,
            H_k=jnp.where(jnp.isfinite(rho), H, s["H_k"]),
            old_old_fval=s["f_k"],
            ls_status=ls.status,
        )

    s = lax.while_loop(lambda s: ~s["converged"] & ~s["failed"] & (s["k"] < maxiter), body, s)
    status = jnp.where(
        s["converged"],
        0,
        jnp.where(s["k"] == maxiter, 1, jnp.where(s["failed"], 2 + s["ls_status"], -1)),
    )
    return s, status


def minimize(
    fun: Callable,
    x0: Any,
    args: tuple = (),
    *,
    method: str,
    tol: float | None = None,
    options: Mapping[str, Any] | None = None,
) -> OptimizeResults:
    """Minimizes fun(x, *args) over 1-D x from x0 with method "BFGS"
    (gradients by mlax's autodiff). options: maxiter, norm, gtol,
    line_search_maxiter. As in JAX, `tol` is accepted and not used."""
    del tol
    options = dict(options or {})
    if not isinstance(args, tuple):
        raise TypeError(
            f"args argument to mlax.scipy.optimize.minimize must be a tuple, got {args}"
        )
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, got {method!r}")
    if method.lower() != "bfgs":
        raise ValueError(f"Method {method} not recognized")
    allowed = {"maxiter", "norm", "gtol", "line_search_maxiter"}
    unknown = set(options) - allowed
    if unknown:
        raise TypeError(f"unexpected options for BFGS: {sorted(unknown)}")
    x0 = jnp.asarray(x0)
    if aval_of(x0).ndim != 1:
        raise ValueError(f"x0 must be a 1-D array, got shape {aval_of(x0).shape}")
    s, status = _minimize_bfgs(lambda x: fun(x, *args), x0, **options)
    return OptimizeResults(
        x=s["x_k"],
        success=s["converged"] & ~s["failed"],
        status=status,
        fun=s["f_k"],
        jac=s["g_k"],
        hess_inv=s["H_k"],
        nfev=s["nfev"],
        njev=s["ngev"],
        nit=s["k"],
    )
