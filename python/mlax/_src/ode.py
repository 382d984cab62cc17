"""odeint: adaptive Dormand-Prince (RK45) integration with adjoint gradients.

The forward pass takes Dormand-Prince steps inside a while_loop per output
time (a scan over the times), accepts a step when the mean error ratio is at
most 1, and evaluates the solution at each output time from the 4th-order
interpolant of the last accepted step. Reverse mode is the adjoint method
(a custom_vjp): it integrates the augmented system (y, y_bar, t_bar,
args_bar) backwards between consecutive output times with the same solver.
The dynamics' closed-over traced values are hoisted by closure_convert so
that the adjoint differentiates with respect to them too.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from mlax._src import dtypes, lax, tree_util
from mlax._src import numpy_impl as jnp
from mlax._src.api import jit
from mlax._src.autodiff import vjp
from mlax._src.batching import vmap
from mlax._src.core import Array, Tracer, aval_of
from mlax._src.custom_derivatives import closure_convert, custom_vjp
from mlax._src.flatten_util import ravel_pytree
from mlax._src.numpy_statistics import polyval

__all__ = ["odeint"]

# Dormand-Prince 5(4) tableau: nodes, stage weights, the 5th-order solution
# and the difference to the embedded 4th-order one (the error estimate).
_ALPHA = [1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0]
_BETA = [
    [1 / 5, 0, 0, 0, 0, 0, 0],
    [3 / 40, 9 / 40, 0, 0, 0, 0, 0],
    [44 / 45, -56 / 15, 32 / 9, 0, 0, 0, 0],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729, 0, 0, 0],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656, 0, 0],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0],
]
_C_SOL = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0]
_C_ERR = [
    35 / 384 - 1951 / 21600,
    0,
    500 / 1113 - 22642 / 50085,
    125 / 192 - 451 / 720,
    -2187 / 6784 + 12231 / 42400,
    11 / 84 - 649 / 6300,
    -1 / 60,
]
# The solution at the step's midpoint, for the 4th-order interpolant.
_C_MID = [
    6025192743 / 30085553152 / 2,
    0,
    51252292925 / 65400821598 / 2,
    -2691868925 / 45128329728 / 2,
    187940372067 / 1594534317056 / 2,
    -1776094331 / 19743644256 / 2,
    11237099 / 235043384 / 2,
]


def _rk_step(func, y0, f0, t0, dt):
    """One Dormand-Prince step: (y1, f1, error estimate, stage slopes)."""
    dt_y = dt.astype(f0.dtype)
    k = [f0]
    for i in range(6):
        yi = y0 + dt_y * sum(b * ki for b, ki in zip(_BETA[i], k) if b)
        k.append(func(yi, t0 + dt * _ALPHA[i]))
    k = jnp.stack(k)
    y1 = dt_y * jnp.dot(jnp.asarray(_C_SOL, f0.dtype), k) + y0
    err = dt_y * jnp.dot(jnp.asarray(_C_ERR, f0.dtype), k)
    return y1, k[-1], err, k


def _interp_coeffs(y0, y1, k, dt):
    """Coefficients (highest power first) of the quartic through y0, the
    midpoint and y1 with the end slopes, in the step's unit time."""
    dt = dt.astype(y0.dtype)
    y_mid = y0 + dt * jnp.dot(jnp.asarray(_C_MID, y0.dtype), k)
    dy0, dy1 = k[0], k[-1]
    a = -2.0 * dt * dy0 + 2.0 * dt * dy1 - 8.0 * y0 - 8.0 * y1 + 16.0 * y_mid
    b = 5.0 * dt * dy0 - 3.0 * dt * dy1 + 18.0 * y0 + 14.0 * y1 - 32.0 * y_mid
    c = -4.0 * dt * dy0 + dt * dy1 - 11.0 * y0 - 5.0 * y1 + 16.0 * y_mid
    return jnp.stack([a, b, c, dt * dy0, y0])


def _abs2(x):
    return x.real**2 + x.imag**2 if dtypes.is_complex(aval_of(x).dtype) else x**2


def _error_ratio(err, rtol, atol, y0, y1):
    tol = atol + rtol * jnp.maximum(jnp.abs(y0), jnp.abs(y1))
    return jnp.sqrt(jnp.mean(_abs2(err / tol.astype(err.dtype))))


def _next_step(dt, ratio, safety=0.9, ifactor=10.0, dfactor=0.2, order=5.0):
    dfactor = jnp.where(ratio < 1, 1.0, dfactor)
    factor = jnp.minimum(ifactor, jnp.maximum(ratio ** (-1.0 / order) * safety, dfactor))
    return jnp.where(ratio == 0, dt * ifactor, dt * factor)


def _norm(x):
    return jnp.sqrt(jnp.sum(_abs2(x)))


def _initial_step(func, t0, y0, order, rtol, atol, f0):
    """Hairer, Norsett & Wanner's starting step size."""
    scale = (atol + jnp.abs(y0) * rtol).astype(y0.dtype)
    d0 = _norm(y0 / scale)
    d1 = _norm(f0 / scale)
    h0 = jnp.where((d0 < 1e-5) | (d1 < 1e-5), 1e-6, 0.01 * d0 / d1)
    f1 = func(y0 + h0.astype(y0.dtype) * f0, t0 + h0)
    d2 = _norm((f1 - f0) / scale) / h0
    h1 = jnp.where(
        (d1 <= 1e-15) & (d2 <= 1e-15),
        jnp.maximum(1e-6, h0 * 1e-3),
        (0.01 / jnp.maximum(d1, d2)) ** (1.0 / (order + 1.0)),
    )
    return jnp.minimum(100.0 * h0, h1)


@functools.partial(custom_vjp, nondiff_argnums=(0, 1, 2, 3, 4))
def _solve(func, rtol, atol, mxstep, hmax, y0, ts, *args):
    f = lambda y, t: func(y, t, *args)

    def to_time(carry, target):
        def more(state):
            i, _, _, t, dt, _, _ = state
            return (t < target) & (i < mxstep) & (dt > 0)

        def step(state):
            i, y, fy, t, dt, last_t, coeffs = state
            y1, f1, err, k = _rk_step(f, y, fy, t, dt)
            ratio = _error_ratio(err, rtol, atol, y, y1)
            new_coeffs = _interp_coeffs(y, y1, k, dt)
            new_dt = jnp.clip(_next_step(dt, ratio), 0.0, hmax)
            ok = ratio <= 1.0
            return [
                i + 1,
                jnp.where(ok, y1, y),
                jnp.where(ok, f1, fy),
                jnp.where(ok, t + dt, t),
                new_dt,
                jnp.where(ok, t, last_t),
                jnp.where(ok, new_coeffs, coeffs),
            ]

        _, *carry = lax.while_loop(more, step, [jnp.asarray(0), *carry])
        _, _, t, _, last_t, coeffs = carry
        s = (target - last_t) / (t - last_t)
        return carry, polyval(coeffs, s.astype(coeffs.dtype))

    f0 = f(y0, ts[0])
    dt = jnp.clip(_initial_step(f, ts[0], y0, 4, rtol, atol, f0), 0.0, hmax)
    carry = [y0, f0, ts[0], dt, ts[0], jnp.stack([y0] * 5)]
    _, ys = lax.scan(to_time, carry, ts[1:])
    return jnp.concatenate([y0[None], ys])


def _solve_fwd(func, rtol, atol, mxstep, hmax, y0, ts, *args):
    ys = _solve(func, rtol, atol, mxstep, hmax, y0, ts, *args)
    return ys, (ys, ts, args)


def _solve_bwd(func, rtol, atol, mxstep, hmax, res, g):
    ys, ts, args = res

    def augmented(state, t, *args):
        # Backwards in time (t is -time): the state, its adjoint, and the
        # accumulating cotangents of the time and the arguments.
        y, y_bar, *_ = state
        y_dot, pullback = vjp(func, y, -t, *args)
        return (-y_dot, *pullback(y_bar))

    def interval(carry, i):
        y_bar, t0_bar, args_bar = carry
        t_bar = jnp.dot(func(ys[i], ts[i], *args), g[i]).real
        t0_bar = t0_bar - t_bar
        _, y_bar, t0_bar, args_bar = odeint(
            augmented,
            (ys[i], y_bar, t0_bar, args_bar),
            jnp.stack([-ts[i], -ts[i - 1]]),
            *args,
            rtol=rtol,
            atol=atol,
            mxstep=mxstep,
            hmax=hmax,
        )
        y_bar, t0_bar, args_bar = tree_util.tree_map(lambda x: x[1], (y_bar, t0_bar, args_bar))
        return (y_bar + g[i - 1], t0_bar, args_bar), t_bar

    zero_t = jnp.zeros((), aval_of(ts).dtype)
    init = (g[-1], zero_t, tree_util.tree_map(jnp.zeros_like, args))
    (y_bar, t0_bar, args_bar), rev_t_bar = lax.scan(interval, init, jnp.arange(len(ts) - 1, 0, -1))
    ts_bar = jnp.concatenate([t0_bar[None], rev_t_bar[::-1]])
    return (y_bar, ts_bar, *args_bar)


_solve.defvjp(_solve_fwd, _solve_bwd)


@functools.partial(jit, static_argnums=(0, 1, 2, 3, 4))
def _odeint_flat(func, rtol, atol, mxstep, hmax, y0, ts, *args):
    flat0, unravel = ravel_pytree(y0)

    def flat_func(y, t, *args):
        return ravel_pytree(func(unravel(y), t, *args))[0]

    ys = _solve(flat_func, rtol, atol, mxstep, hmax, flat0, ts, *args)
    return vmap(unravel)(ys)


def _is_array_like(x: Any) -> bool:
    return isinstance(x, (Array, Tracer, np.ndarray, np.generic, bool, int, float, complex))


def odeint(
    func: Callable,
    y0: Any,
    t: Any,
    *args: Any,
    rtol: float = 1.4e-8,
    atol: float = 1.4e-8,
    mxstep: float = float(np.inf),
    hmax: float = float(np.inf),
) -> Any:
    """Solves dy/dt = func(y, t, *args) from y(t[0]) = y0 and returns y at
    each time of the increasing array `t` (a leading axis of len(t) on every
    leaf of the pytree y0). Adaptive Dormand-Prince steps with relative and
    absolute tolerances `rtol`, `atol`, at most `mxstep` steps per interval
    and steps no longer than `hmax`; differentiable in y0, t and args
    (adjoint method), also with respect to values `func` closes over."""
    for a in tree_util.tree_leaves(args):
        if not _is_array_like(a):
            raise TypeError(f"The contents of odeint *args must be arrays or scalars, but got {a}.")
    t = jnp.asarray(t)
    if not dtypes.issubdtype(aval_of(t).dtype, np.floating):
        raise TypeError(f"t must be an array of floats, but got {t}.")
    if aval_of(t).ndim != 1:
        raise ValueError(f"t must be a 1-D array of times, got shape {aval_of(t).shape}.")
    converted, consts = closure_convert(func, y0, t[0], *args)
    return _odeint_flat(converted, rtol, atol, mxstep, hmax, y0, t, *args, *consts)
