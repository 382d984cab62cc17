"""Ufunc aliases, shifts, divmod/modf, polynomials, windows, differences,
functional helpers and selections of mlax.numpy against jax.numpy: values
and dtypes, jit, grad, vmap and the errors jax raises."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest

R = np.random.default_rng(0)
F = R.normal(size=(3, 4)).astype(np.float32)
V = R.normal(size=(5,)).astype(np.float32)
I = np.array([[5, -3, 0, 7], [-8, 2, 1, -1], [4, 6, -2, 3]], np.int32)
U = np.array([1, 2, 255, 128], np.uint8)
C = (R.normal(size=(4,)) + 1j * R.normal(size=(4,))).astype(np.complex64)
P = np.array([1.0, -2.0, 0.5, 3.0], np.float32)
Q = np.array([2.0, 1.0], np.float32)
PHASE = np.cumsum(R.uniform(0, 2.5, size=(2, 9)), axis=1).astype(np.float32) % (2 * np.pi)
SH = np.array([[1, 2], [3, 0]], np.int32)

CASES = {
    "fabs_f": ("fabs", (F,), {}),
    "fabs_i": ("fabs", (I,), {}),
    "around": ("around", (F * 10,), {"decimals": 1}),
    "pow": ("pow", (np.abs(F), V[:4]), {}),
    "pow_i": ("pow", (I, 2), {}),
    "bitwise_invert": ("bitwise_invert", (I,), {}),
    "left_shift": ("left_shift", (I, SH[0, 0]), {}),
    "left_shift_b": ("left_shift", (np.abs(I)[:2, :2], SH), {}),
    "right_shift": ("right_shift", (I[:2, :2], SH), {}),
    "right_shift_u": ("right_shift", (U, np.uint8(3)), {}),
    "bitwise_left_shift": ("bitwise_left_shift", (U, np.uint8(1)), {}),
    "bitwise_right_shift": ("bitwise_right_shift", (I, 1), {}),
    "bitwise_count": ("bitwise_count", (I,), {}),
    "bitwise_count_u": ("bitwise_count", (U,), {}),
    "nextafter": ("nextafter", (F, V[:4]), {}),
    "divmod_i": ("divmod", (I, 3), {}),
    "divmod_neg": ("divmod", (I, -3), {}),
    "divmod_f": ("divmod", (F * 5, np.float32(-1.5)), {}),
    "divmod_f2": ("divmod", (V * 4, V[::-1]), {}),
    "modf": ("modf", (F * 3,), {}),
    "modf_i": ("modf", (I,), {}),
    "angle_c": ("angle", (C,), {}),
    "angle_deg": ("angle", (C,), {"deg": True}),
    "angle_f": ("angle", (F,), {}),
    "angle_i": ("angle", (I,), {}),
    "angle_scalar": ("angle", (np.float32(-2.0),), {}),
    "i0": ("i0", (F,), {}),
    "i0_i": ("i0", (I,), {}),
    "sort_complex_c": ("sort_complex", (C,), {}),
    "sort_complex_f": ("sort_complex", (F,), {}),
    "sort_complex_i": ("sort_complex", (I,), {}),
    "matvec": ("matvec", (R.normal(size=(2, 3, 4)).astype(np.float32), F[0]), {}),
    "vecmat": ("vecmat", (C[:3], R.normal(size=(3, 2)).astype(np.float32)), {}),
    "vecdot": ("vecdot", (F, V[:4]), {}),
    "polyadd": ("polyadd", (P, Q), {}),
    "polyadd_i": ("polyadd", (np.array([1, 2], np.int32), P), {}),
    "polysub": ("polysub", (Q, P), {}),
    "polymul": ("polymul", (P, Q), {}),
    "polymul_i": ("polymul", (np.array([1, 2], np.int32), np.array([3, 0, 1], np.int32)), {}),
    "polyder": ("polyder", (P,), {}),
    "polyder_2": ("polyder", (P,), {"m": 2}),
    "polyder_0": ("polyder", (P,), {"m": 0}),
    "polyder_big": ("polyder", (P,), {"m": 5}),
    "polyint": ("polyint", (P,), {}),
    "polyint_k": ("polyint", (P,), {"m": 2, "k": np.array([1.0, 2.0], np.float32)}),
    "polyint_ks": ("polyint", (P,), {"m": 3, "k": 2.0}),
    "poly": ("poly", (Q,), {}),
    "poly_roots": ("poly", (np.array([1.0, -2.0, 3.0], np.float32),), {}),
    "poly_empty": ("poly", (np.zeros((0,), np.float32),), {}),
    "ediff1d": ("ediff1d", (F,), {}),
    "ediff1d_ends": ("ediff1d", (I,), {"to_begin": np.array([7, 8]), "to_end": 9}),
    "gradient": ("gradient", (F,), {}),
    "gradient_axis": ("gradient", (F, 2.0), {"axis": 1}),
    "gradient_coords": ("gradient", (V, np.array([0.0, 1.0, 3.0, 3.5, 6.0], np.float32)), {}),
    "gradient_two": ("gradient", (F, 0.5, 2.0), {}),
    "gradient_i": ("gradient", (I,), {"axis": -1}),
    "unwrap": ("unwrap", (PHASE,), {}),
    "unwrap_axis": ("unwrap", (PHASE.T,), {"axis": 0}),
    "unwrap_period": ("unwrap", (PHASE,), {"period": 3.0, "discont": 2.0}),
    "unwrap_i": ("unwrap", (np.array([0, 5, 11, 2, 9], np.int32),), {"period": 8}),
    "rollaxis": ("rollaxis", (np.zeros((2, 3, 4, 5), np.float32), 3, 1), {}),
    "rollaxis_neg": ("rollaxis", (np.zeros((2, 3, 4, 5), np.float32), -3, 4), {}),
    "rollaxis_same": ("rollaxis", (np.zeros((2, 3, 4), np.float32), 1, 2), {}),
    "choose_wrap": ("choose", (I, [F, F * 2, F * 3]), {"mode": "wrap"}),
    "choose_clip": ("choose", (I, [F, -F]), {"mode": "clip"}),
    "choose_raise": ("choose", (np.array([0, 1, 1, 0], np.int32), [V[:4], I[0]]), {}),
    "compress": ("compress", (np.array([True, False, True]), F), {"axis": 0}),
    "compress_flat": ("compress", (np.array([1, 0, 0, 1, 1], np.int32), F), {}),
    "compress_short": ("compress", (np.array([False, True]), F), {"axis": 1}),
    "compress_size": ("compress", (np.array([True, False, True]), F), {"axis": 0, "size": 3}),
    "compress_fill": (
        "compress",
        (np.array([0, 1, 0, 1], bool), F),
        {"axis": 1, "size": 3, "fill_value": -7},
    ),
    "extract": ("extract", (F > 0, F), {}),
    "extract_size": ("extract", (I > 0, I), {"size": 9, "fill_value": -1}),
    "resize": ("resize", (I, (5, 3)), {}),
    "resize_int": ("resize", (V, 12), {}),
    "resize_empty": ("resize", (np.zeros((0,), np.float32), (2, 2)), {}),
    "trim_zeros": ("trim_zeros", (np.array([0, 0, 1, 2, 0, 3, 0], np.int32),), {}),
    "trim_zeros_f": ("trim_zeros", (np.array([0, 0, 1, 0], np.float32),), {"trim": "f"}),
    "trim_zeros_b": ("trim_zeros", (np.array([0, 0, 1, 0], np.float32),), {"trim": "B"}),
    "trim_zeros_all": ("trim_zeros", (np.zeros((4,), np.int32),), {}),
    "trim_zeros_2d": ("trim_zeros", (np.pad(I, 1),), {}),
    "trim_zeros_axis": ("trim_zeros", (np.pad(I, 1),), {"axis": 0}),
}

# Functions whose output shape does not depend on values (they run under jit).
NO_JIT = {"choose_raise", "compress", "compress_flat", "compress_short", "extract"}
NO_JIT |= {k for k in CASES if k.startswith("trim_zeros")}


def _check(got, want, tol=2e-6):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            _check(g, w, tol)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got, want)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("case", sorted(CASES))
def test_values(case):
    name, args, kwargs = CASES[case]
    want = getattr(ref, name)(*args, **kwargs)
    _check(getattr(jnp, name)(*args, **kwargs), want)
    if case not in NO_JIT:
        arrays = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]

        def f(*xs):
            full = list(args)
            for i, x in zip(arrays, xs):
                full[i] = x
            return getattr(jnp, name)(*full, **kwargs)

        _check(mlax.jit(f)(*[args[i] for i in arrays]), want)


def test_constants_and_windows():
    assert jnp.euler_gamma == ref.euler_gamma
    for name in ("bartlett", "blackman", "hamming", "hanning"):
        for m in (0, 1, 2, 7, 10):
            _check(getattr(jnp, name)(m), getattr(ref, name)(m))
    for m, beta in ((0, 1.0), (1, 2.0), (6, 0.0), (9, 8.6)):
        _check(jnp.kaiser(m, beta), ref.kaiser(m, beta), tol=1e-5)
    with jax.enable_x64(True), mlax.enable_x64(True):
        _check(jnp.hamming(5), ref.hamming(5))
        _check(jnp.sort_complex(np.array([3, 1], np.int64)), ref.sort_complex(np.array([3, 1])))
        _check(jnp.divmod(np.arange(-4.0, 4.0), 3.0), ref.divmod(np.arange(-4.0, 4.0), 3.0))


def test_functional_helpers():
    x = R.normal(size=(2, 3, 4)).astype(np.float32)
    fns = [
        (lambda v: v.sum(), lambda v: v.sum()),
        (lambda v: v[::-1] * 2, lambda v: v[::-1] * 2),
        (lambda v: jnp.outer(v, v), lambda v: ref.outer(v, v)),
    ]
    for axis in (0, 1, 2, -1):
        for f, g in fns:
            _check(jnp.apply_along_axis(f, axis, x), ref.apply_along_axis(g, axis, x))
    _check(
        jnp.apply_along_axis(lambda v, s: v * s, 1, x, 3.0),
        ref.apply_along_axis(lambda v, s: v * s, 1, x, 3.0),
    )
    _check(jnp.apply_over_axes(jnp.sum, x, [0, 2]), ref.apply_over_axes(ref.sum, x, [0, 2]))
    _check(
        jnp.apply_over_axes(lambda a, ax: jnp.cumsum(a, ax), x, (1,)),
        ref.apply_over_axes(lambda a, ax: ref.cumsum(a, ax), x, (1,)),
    )
    _check(
        jnp.fromfunction(lambda i, j: i * 10 + j, (3, 4), dtype=np.int32),
        ref.fromfunction(lambda i, j: i * 10 + j, (3, 4), dtype=np.int32),
    )
    _check(
        jnp.fromfunction(lambda i, j, k: i - j * k, (2, 3, 2)),
        ref.fromfunction(lambda i, j, k: i - j * k, (2, 3, 2)),
    )
    with pytest.raises(ValueError, match="correct shape"):
        jnp.apply_over_axes(lambda a, ax: a.sum(), x, [1])


def test_grad():
    cases = [
        (lambda x: jnp.polyint(x, 2, 1.0).sum(), lambda x: ref.polyint(x, 2, 1.0).sum(), P),
        (lambda x: (jnp.polyder(x) ** 2).sum(), lambda x: (ref.polyder(x) ** 2).sum(), P),
        (lambda x: jnp.polymul(x, x).sum(), lambda x: ref.polymul(x, x).sum(), P),
        (lambda x: jnp.poly(x).sum(), lambda x: ref.poly(x).sum(), Q),
        (lambda x: (jnp.gradient(x) ** 2).sum(), lambda x: (ref.gradient(x) ** 2).sum(), V),
        (lambda x: jnp.modf(x * 3)[0].sum(), lambda x: ref.modf(x * 3)[0].sum(), V),
        (lambda x: jnp.angle(x + 1j).sum(), lambda x: ref.angle(x + 1j).sum(), V),
        (lambda x: jnp.i0(x).sum(), lambda x: ref.i0(x).sum(), V),
        (lambda x: jnp.unwrap(x * 4).sum(), lambda x: ref.unwrap(x * 4).sum(), V),
        (lambda x: jnp.resize(x, (3, 3)).sum(), lambda x: ref.resize(x, (3, 3)).sum(), V),
        (
            lambda x: jnp.compress(x > 0, x, size=3).sum(),
            lambda x: ref.compress(x > 0, x, size=3).sum(),
            V,
        ),
        (
            lambda x: (jnp.choose(np.array([1, 0, 1]), [x[:3], x[2:]], mode="clip") ** 2).sum(),
            lambda x: (ref.choose(np.array([1, 0, 1]), [x[:3], x[2:]], mode="clip") ** 2).sum(),
            V,
        ),
        (
            lambda x: jnp.apply_along_axis(lambda v: (v**2).sum(), 1, x).sum(),
            lambda x: ref.apply_along_axis(lambda v: (v**2).sum(), 1, x).sum(),
            F,
        ),
    ]
    for f, g, x in cases:
        _check(mlax.grad(f)(x), jax.grad(g)(x), tol=1e-5)
        _check(mlax.jit(mlax.grad(f))(x), jax.grad(g)(x), tol=1e-5)


def test_vmap():
    xs = R.normal(size=(3, 5)).astype(np.float32)
    for f, g in [
        (lambda x: jnp.polyder(x, 2), lambda x: ref.polyder(x, 2)),
        (lambda x: jnp.polyadd(x, Q), lambda x: ref.polyadd(x, Q)),
        (jnp.gradient, ref.gradient),
        (jnp.unwrap, ref.unwrap),
        (lambda x: jnp.divmod(x, 0.7), lambda x: ref.divmod(x, 0.7)),
        (lambda x: jnp.matvec(F, x[:4]), lambda x: ref.matvec(F, x[:4])),
        (lambda x: jnp.extract(x > 0, x, size=2), lambda x: ref.extract(x > 0, x, size=2)),
        (lambda x: jnp.ediff1d(x, to_end=x[0]), lambda x: ref.ediff1d(x, to_end=x[0])),
    ]:
        _check(mlax.vmap(f)(xs), jax.vmap(g)(xs), tol=1e-5)


def test_errors():
    x = np.array([1.0, 2.0], np.float32)
    with pytest.raises(TypeError, match="complex"):
        jnp.fabs(C)
    with pytest.raises(TypeError):
        jnp.left_shift(x, 1)
    with pytest.raises(TypeError, match="left_shift"):
        jnp.left_shift([1, 2], 1)
    with pytest.raises(ValueError, match="positive"):
        jnp.polyder(P, -1)
    with pytest.raises(ValueError, match="positive"):
        jnp.polyint(P, -1)
    with pytest.raises(ValueError, match="rank-1"):
        jnp.polyint(P, 2, k=np.ones(3, np.float32))
    with pytest.raises(ValueError, match="1d or non-empty square"):
        jnp.poly(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="too small"):
        jnp.gradient(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match="same length"):
        jnp.gradient(V, np.arange(3.0))
    with pytest.raises(TypeError, match="spacing"):
        jnp.gradient(F, 1.0, 2.0, 3.0)
    with pytest.raises(ValueError, match="complex"):
        jnp.unwrap(C)
    with pytest.raises(ValueError, match="start="):
        jnp.rollaxis(F, 0, 5)
    with pytest.raises(ValueError, match="out of bounds"):
        jnp.rollaxis(F, 2)
    with pytest.raises(ValueError, match="integer typed"):
        jnp.choose(x, [x, x])
    with pytest.raises(ValueError, match="invalid entry"):
        jnp.choose(np.array([0, 2]), [x, x])
    with pytest.raises(ValueError, match="not understood"):
        jnp.choose(np.array([0, 1]), [x, x], mode="bad")
    with pytest.raises(mlax.errors.ConcretizationTypeError):
        mlax.jit(lambda i: jnp.choose(i, [x, x]))(np.array([0, 1]))
    with pytest.raises(ValueError, match="1D"):
        jnp.compress(np.ones((2, 2), bool), F)
    with pytest.raises(ValueError, match="out of bounds"):
        jnp.compress(np.array([0, 0, 0, 1]), F, axis=0)
    with pytest.raises(ValueError, match="size must be"):
        jnp.compress(np.array([1, 0, 1]), F, axis=0, size=4)
    with pytest.raises(mlax.errors.ConcretizationTypeError):
        mlax.jit(lambda c: jnp.compress(c, F, axis=0))(np.array([True, False, True]))
    with pytest.raises(ValueError, match="non-negative"):
        jnp.resize(F, (2, -1))
    with pytest.raises(mlax.errors.ConcretizationTypeError):
        mlax.jit(jnp.trim_zeros)(x)
    with pytest.raises(TypeError, match="concrete"):
        mlax.jit(lambda m: jnp.hamming(m))(3)
    with pytest.raises(NotImplementedError):
        jnp.gradient(V, edge_order=2)
    with pytest.raises(ValueError, match="Unsupported"):
        jnp.i0(C)
