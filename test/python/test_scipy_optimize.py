"""mlax.scipy.optimize.minimize (BFGS) and line_search against
jax.scipy.optimize: iterates, counts and status in float64 (the same
algorithm, so equal to rounding), float32 convergence, jit, vmap, errors."""

import jax
import jax.numpy as jr
import jax.scipy.optimize as jopt
import mlax
import mlax.numpy as jnp
import mlax.scipy.optimize as opt
import numpy as np
import pytest
from jax._src.scipy.optimize.line_search import line_search as jax_line_search


def rosen(np_):
    return lambda x: np_.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def quad(np_):
    m = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.0]])
    return lambda x, c: 0.5 * x @ m @ x - c @ x + np_.cosh(x[0] - 1.0)


PROBLEMS = [
    (rosen, np.array([-1.2, 1.0, 0.5, 0.3]), ()),
    (rosen, np.array([2.0, -1.0]), ()),
    (quad, np.zeros(3), (np.array([1.0, -2.0, 0.5]),)),
]


def _same(got, want, rtol):
    for name in want._fields:
        g, w = getattr(got, name), getattr(want, name)
        assert np.shape(g) == np.shape(w), name
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=rtol, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("i", range(len(PROBLEMS)))
def test_bfgs_matches_jax_in_float64(i):
    make, x0, args = PROBLEMS[i]
    with mlax.enable_x64(True), jax.enable_x64(True):
        got = opt.minimize(make(jnp), x0, args, method="BFGS")
        want = jopt.minimize(make(jr), x0, args, method="BFGS")
        assert got.x.dtype == want.x.dtype == np.float64
        _same(got, want, rtol=1e-7)
        # Options reach the solver.
        got = opt.minimize(make(jnp), x0, args, method="bfgs", options={"maxiter": 3})
        want = jopt.minimize(make(jr), x0, args, method="bfgs", options={"maxiter": 3})
        _same(got, want, rtol=1e-7)
        assert int(got.status) == 1 and int(got.nit) == 3


def test_bfgs_float32_jit_and_vmap():
    c = np.array([1.0, -2.0, 0.5], np.float32)
    x0 = np.zeros(3, np.float32)
    # (gtol above float32's noise: at 1e-5 the last line search decides on
    # the rounding of the objective, in either library)
    o = {"gtol": 1e-4}
    run = mlax.jit(lambda x0, c: opt.minimize(quad(jnp), x0, (c,), method="BFGS", options=o))
    got = run(x0, c)
    want = jopt.minimize(quad(jr), x0, (c,), method="BFGS", options=o)
    assert bool(got.success)
    assert got.x.dtype == np.float32 and bool(got.success) == bool(want.success)
    np.testing.assert_allclose(got.x, want.x, rtol=1e-4, atol=1e-5)
    cs = np.stack([c, 2 * c, -c])
    xs = mlax.vmap(lambda c: opt.minimize(quad(jnp), x0, (c,), method="BFGS", options=o).x)(cs)
    wants = jax.vmap(lambda c: jopt.minimize(quad(jr), x0, (c,), method="BFGS", options=o).x)(cs)
    np.testing.assert_allclose(xs, wants, rtol=1e-4, atol=1e-5)


def test_line_search_matches_jax():
    with mlax.enable_x64(True), jax.enable_x64(True):
        x = np.array([-1.2, 1.0])
        for pk in (np.array([1.0, 0.0]), -np.asarray(jax.grad(rosen(jr))(x))):
            for kw in ({}, {"old_fval": rosen(jr)(x), "gfk": jax.grad(rosen(jr))(x)}):
                got = opt.line_search(rosen(jnp), x, pk, **kw)
                want = jax_line_search(rosen(jr), x, pk, **kw)
                _same(got, want, rtol=1e-7)


def test_errors():
    f = rosen(jnp)
    with pytest.raises(ValueError, match="not recognized"):
        opt.minimize(f, np.zeros(2), method="Nelder-Mead")
    with pytest.raises(TypeError, match="must be a tuple"):
        opt.minimize(f, np.zeros(2), [1.0], method="BFGS")
    with pytest.raises(TypeError, match="unexpected options"):
        opt.minimize(f, np.zeros(2), method="BFGS", options={"maxfun": 3})
    with pytest.raises(ValueError, match="1-D"):
        opt.minimize(f, np.zeros((2, 2)), method="BFGS")
