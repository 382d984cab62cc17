"""Derivative checks against finite differences (JAX's test_util API).

`check_grads(f, args, order)` checks forward mode (jvp against central
differences) and reverse mode (vjp against the numerical jvp, through
<J t, c> == <t, J^T c>), recursively up to `order`. Differences and inner
products are formed in float64 on the host; the function itself runs in
its own dtype (enable x64 for float64 differences end to end).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from mlax._src import autodiff, tree_util

__all__ = ["check_grads", "check_jvp", "check_vjp"]

_EPS = 1e-4
_TOL = {
    np.dtype(np.float16): 1e-1,
    np.dtype(np.float32): 2e-2,
    np.dtype(np.float64): 1e-5,
    np.dtype(np.complex64): 2e-2,
    np.dtype(np.complex128): 1e-5,
}
_EPS_BY_DTYPE = {
    np.dtype(np.float16): 1e-2,
    np.dtype(np.float32): 1e-3,
    np.dtype(np.float64): 1e-5,
    np.dtype(np.complex64): 1e-3,
    np.dtype(np.complex128): 1e-5,
}


def _leaves(x) -> list[np.ndarray]:
    return [np.asarray(l) for l in tree_util.tree_leaves(x)]


def _dtype_of(args) -> np.dtype:
    dts = [l.dtype for l in _leaves(args) if l.dtype.kind in "fcV"]
    if not dts:
        return np.dtype(np.float32)
    return max(dts, key=lambda d: np.finfo(d).eps if d.kind != "V" else 1.0)


def _tol(args, given):
    if given is not None:
        return given
    d = _dtype_of(args)
    return _TOL.get(np.dtype(d), 2e-2)


def _rand_like(rng: np.random.RandomState, x):
    def one(l):
        l = np.asarray(l)
        if l.dtype.kind == "c":
            return np.asarray(rng.randn(*l.shape) + 1j * rng.randn(*l.shape)).astype(l.dtype)
        return np.asarray(rng.randn(*l.shape)).astype(l.dtype)

    return tree_util.tree_map(one, x)


def _axpy(a: float, xs, ys):
    """ys + a * xs, leafwise, in float64/complex128, cast back to ys's dtypes."""
    return tree_util.tree_map(
        lambda x, y: (
            np.asarray(y, np.complex128 if np.iscomplexobj(y) else np.float64)
            + a * np.asarray(x, np.complex128 if np.iscomplexobj(x) else np.float64)
        ).astype(np.asarray(y).dtype),
        xs,
        ys,
    )


def _inner(xs, ys) -> float:
    return float(
        sum(
            np.real(
                np.vdot(
                    np.asarray(x, np.complex128).reshape(-1),
                    np.asarray(y, np.complex128).reshape(-1),
                )
            )
            for x, y in zip(_leaves(xs), _leaves(ys))
        )
    )


def numerical_jvp(
    f: Callable, primals: Sequence[Any], tangents: Sequence[Any], eps: float
) -> list[np.ndarray]:
    """Central differences (f(x + eps t) - f(x - eps t)) / (2 eps), in float64."""
    f_pos = _leaves(f(*_axpy(eps, tangents, primals)))
    f_neg = _leaves(f(*_axpy(-eps, tangents, primals)))
    out = []
    for p, n in zip(f_pos, f_neg):
        wide = np.complex128 if np.iscomplexobj(p) else np.float64
        out.append((p.astype(wide) - n.astype(wide)) / (2 * eps))
    return out


def _check_close(got, want, atol, rtol, what):
    got, want = _leaves(got), _leaves(want)
    assert len(got) == len(want), f"{what}: {len(got)} outputs, expected {len(want)}"
    for g, w in zip(got, want):
        np.testing.assert_allclose(
            g.astype(np.complex128 if np.iscomplexobj(g) else np.float64),
            w,
            atol=atol,
            rtol=rtol,
            err_msg=what,
        )


def _settings(args, atol, rtol, eps) -> tuple[float, float, float]:
    """Tolerances and step for `args`' least precise dtype, unless given."""
    eps = eps or _EPS_BY_DTYPE.get(_dtype_of(args), _EPS)
    return _tol(args, atol), _tol(args, rtol), eps


def check_jvp(
    f: Callable, f_jvp: Callable, args: Sequence[Any], atol=None, rtol=None, eps=None, rng=None
) -> None:
    """f_jvp(args, tangents) -> (f(*args), J tangents) against central differences."""
    rng = rng or np.random.RandomState(0)
    atol, rtol, eps = _settings(args, atol, rtol, eps)
    tangents = _rand_like(rng, tuple(args))
    v_out, t_out = f_jvp(tuple(args), tangents)
    _check_close(v_out, f(*args), atol, rtol, "primal output of jvp")
    _check_close(
        t_out, numerical_jvp(f, args, tangents, eps), atol, rtol, "jvp vs finite differences"
    )


def check_vjp(
    f: Callable, f_vjp: Callable, args: Sequence[Any], atol=None, rtol=None, eps=None, rng=None
) -> None:
    """f_vjp(*args) -> (out, vjp_fun) checked through <J t, c> == <t, J^T c>."""
    rng = rng or np.random.RandomState(1)
    atol, rtol, eps = _settings(args, atol, rtol, eps)
    v_out, vjp_fun = f_vjp(*args)
    _check_close(v_out, f(*args), atol, rtol, "primal output of vjp")
    tangents = _rand_like(rng, tuple(args))
    t_out = numerical_jvp(f, args, tangents, eps)
    cotangents = _rand_like(rng, v_out)
    ct_in = vjp_fun(cotangents)
    ip = _inner(tangents, ct_in)
    ip_expected = _inner(t_out, cotangents)
    scale = max(1.0, abs(ip_expected))
    assert abs(ip - ip_expected) <= atol * scale + rtol * abs(ip_expected), (
        f"vjp vs finite differences: <t, J^T c> = {ip}, <J t, c> = {ip_expected}"
    )


def check_grads(
    f: Callable,
    args: Sequence[Any],
    order: int,
    modes: Sequence[str] = ("fwd", "rev"),
    atol=None,
    rtol=None,
    eps=None,
) -> None:
    """Checks f's derivatives up to `order` in `modes` ("fwd", "rev") against
    finite differences, as JAX's check_grads; raises AssertionError."""
    args = tuple(args)
    for mode in modes:
        if mode not in ("fwd", "rev"):
            raise ValueError(f"unknown mode {mode!r}: use 'fwd' or 'rev'")
    rng = np.random.RandomState(0)

    def check(fun, order_left):
        if "fwd" in modes:
            check_jvp(fun, lambda p, t: autodiff.jvp(fun, p, t), args, atol, rtol, eps, rng)
            if order_left > 1:
                t = _rand_like(rng, args)
                check(lambda *a: autodiff.jvp(fun, a, t)[1], order_left - 1)
        if "rev" in modes:
            check_vjp(fun, lambda *a: autodiff.vjp(fun, *a), args, atol, rtol, eps, rng)
            if order_left > 1:
                ct = _rand_like(rng, fun(*args))
                check(lambda *a: autodiff.vjp(fun, *a)[1](ct), order_left - 1)

    check(f, order)
