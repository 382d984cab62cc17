"""The composed jax.lax functions of mlax.lax (inverse trigonometry, arg
reductions, shape and slicing helpers, select_n, approx top-k, patches,
igamma/betainc/bessel aliases) against jax.lax: values and dtypes, jit,
jvp/grad, vmap and the exceptions jax raises."""

import jax
import jax.lax as rl
import mlax
import mlax.lax as ml
import numpy as np
import pytest

R = np.random.default_rng(1)
F = R.normal(size=(3, 4)).astype(np.float32)
UNIT = np.tanh(F)
BIG = 1.5 + np.abs(F)
C = (R.normal(size=(3,)) + 1j * R.normal(size=(3,))).astype(np.complex64)
I = np.array([[3, 7, 7, 1], [0, -2, 5, 5], [9, 9, 1, 2]], np.int32)
NANS = np.array([[1.0, np.nan, 3.0], [2.0, 5.0, np.nan]], np.float32)
X4 = R.normal(size=(2, 3, 5, 4)).astype(np.float32)
POS = (0.5 + np.abs(F)).astype(np.float32)

CASES = {
    "asin": ("asin", (UNIT,), {}),
    "asin_c": ("asin", (C,), {}),
    "acos": ("acos", (UNIT,), {}),
    "acos_c": ("acos", (C,), {}),
    "atan": ("atan", (F,), {}),
    "atan_c": ("atan", (C,), {}),
    "asinh": ("asinh", (F,), {}),
    "asinh_c": ("asinh", (C,), {}),
    "acosh": ("acosh", (BIG,), {}),
    "acosh_c": ("acosh", (C,), {}),
    "atanh": ("atanh", (UNIT,), {}),
    "atanh_c": ("atanh", (C,), {}),
    "exp2": ("exp2", (F,), {}),
    "reciprocal": ("reciprocal", (F,), {}),
    "argmax": ("argmax", (F, 1, np.int32), {}),
    "argmax_ties": ("argmax", (I, 1, np.int32), {}),
    "argmin_ties": ("argmin", (I, 0, np.int32), {}),
    "argmax_nan": ("argmax", (NANS, 1, np.int32), {}),
    "argmin_nan": ("argmin", (NANS, 0, np.int32), {}),
    "argmax_bool": ("argmax", (I > 4, 1, np.int32), {}),
    "reduce_xor": ("reduce_xor", (I, (0,)), {}),
    "reduce_xor_bool": ("reduce_xor", (I > 2, (0, 1)), {}),
    "expand_dims": ("expand_dims", (F, (0, 3)), {}),
    "expand_dims_neg": ("expand_dims", (F, (-1,)), {}),
    "squeeze": ("squeeze", (F[None, :, None], (0, 2)), {}),
    "squeeze_neg": ("squeeze", (F[:, None], (-2,)), {}),
    "full": ("full", ((2, 3), 1.5), {}),
    "full_dtype": ("full", ((2,), 3), {"dtype": np.float32}),
    "full_like": ("full_like", (F, 2), {}),
    "full_like_shape": ("full_like", (I, 2.7), {"dtype": np.float32, "shape": (5,)}),
    "collapse": ("collapse", (X4, 1, 3), {}),
    "collapse_end": ("collapse", (X4, 2), {}),
    "broadcast_to_rank": ("broadcast_to_rank", (F, 4), {}),
    "broadcast_like": ("broadcast_like", (F[0], X4), {}),
    "tile": ("tile", (F, (2, 3)), {}),
    "stack": ("stack", ([F, F * 2, -F],), {"axis": 1}),
    "slice_in_dim": ("slice_in_dim", (X4, 1, 4, 2, 2), {}),
    "slice_in_dim_neg": ("slice_in_dim", (X4, -3, None), {"axis": -1}),
    "index_in_dim": ("index_in_dim", (X4, -1, 1), {}),
    "index_in_dim_drop": ("index_in_dim", (X4, 2, 2), {"keepdims": False}),
    "dynamic_slice_in_dim": ("dynamic_slice_in_dim", (X4, np.int32(1), 3, 2), {}),
    "dynamic_slice_in_dim_neg": ("dynamic_slice_in_dim", (X4, np.int32(-2), 2, 3), {}),
    "dynamic_index_in_dim": ("dynamic_index_in_dim", (X4, np.int32(2), 1, False), {}),
    "dynamic_update_slice_in_dim": (
        "dynamic_update_slice_in_dim",
        (F, np.ones((3, 2), np.float32), np.int32(1), 1),
        {},
    ),
    "dynamic_update_index_in_dim": (
        "dynamic_update_index_in_dim",
        (F, np.ones((4,), np.float32), np.int32(-1), 0),
        {},
    ),
    "index_take": ("index_take", (X4, (np.array([0, 1, -1]), np.array([2, 0, 1])), (0, 2)), {}),
    "select_n_bool": ("select_n", (F > 0, F, -F), {}),
    "select_n_int": ("select_n", (np.clip(I, 0, 2), F, F * 10, -F), {}),
    "select_n_scalar": ("select_n", (np.int32(1), F, F * 2, F * 3, F * 4, F * 5), {}),
    "select_n_one": ("select_n", (np.int32(0), F), {}),
    "approx_max_k": ("approx_max_k", (F, 2), {}),
    "approx_min_k": ("approx_min_k", (F, 2), {"reduction_dimension": 0}),
    "approx_max_k_all": ("approx_max_k", (F, 1), {"aggregate_to_topk": False}),
    "batch_matmul": (
        "batch_matmul",
        (R.normal(size=(2, 3, 4)).astype(np.float32), R.normal(size=(2, 4, 5)).astype(np.float32)),
        {},
    ),
    "patches": ("conv_general_dilated_patches", (X4, (2, 3), (1, 1), "VALID"), {}),
    "patches_strided": (
        "conv_general_dilated_patches",
        (X4, (2, 2), (2, 1), "SAME"),
        {"rhs_dilation": (1, 2)},
    ),
    "patches_nhwc": (
        "conv_general_dilated_patches",
        (np.moveaxis(X4, 1, -1), (3, 2), (1, 1), ((1, 1), (0, 1))),
        {"dimension_numbers": ("NHWC", "OIHW", "NHWC")},
    ),
    "igamma": ("igamma", (POS, POS[::-1]), {}),
    "igammac": ("igammac", (POS, POS[::-1]), {}),
    "betainc": ("betainc", (POS, POS[::-1], np.abs(UNIT)), {}),
    "bessel_i0e": ("bessel_i0e", (F,), {}),
    "bessel_i1e": ("bessel_i1e", (F,), {}),
}


def _check(got, want, tol=3e-6):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            _check(g, w, tol)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got, want)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def _arrays(args):
    return [i for i, a in enumerate(args) if isinstance(a, (np.ndarray, np.generic))]


@pytest.mark.parametrize("case", sorted(CASES))
def test_values(case):
    name, args, kwargs = CASES[case]
    want = getattr(rl, name)(*args, **kwargs)
    tol = 2e-5 if name in ("igamma", "igammac", "betainc") else 3e-6
    _check(getattr(ml, name)(*args, **kwargs), want, tol)
    pos = _arrays(args)

    def f(*xs):
        full = list(args)
        for i, x in zip(pos, xs):
            full[i] = x
        return getattr(ml, name)(*full, **kwargs)

    _check(mlax.jit(f)(*[args[i] for i in pos]), want, tol)


def test_shape_helpers():
    assert ml.broadcast_shapes((2, 1), (3,), ()) == rl.broadcast_shapes((2, 1), (3,), ())
    assert ml.broadcast_shapes() == ()
    for x in (F, np.float32(1), 1, 2.0, True, 1j, "int32", np.int8, np.dtype("float16"), I):
        assert ml.dtype(x) == rl.dtype(x), x
    _check(ml.split(X4, (1, 3, 1), axis=2), rl.split(X4, (1, 3, 1), axis=2))
    _check(ml.unstack(F, axis=1), rl.unstack(F, axis=1))
    e = ml.empty((2, 3), np.float32)
    assert e.shape == (2, 3) and e.dtype == np.float32
    # weak types survive as in jax: a weak full adds to float16 without promotion
    h = np.ones(2, np.float16)
    _check(ml.full((2,), 2.0) + h, rl.full((2,), 2.0) + h)
    _check(ml.full_like(np.float16(1), 3) + h, rl.full_like(np.float16(1), 3) + h)


def test_jvp_grad_vmap():
    fns = [
        ("asin", lambda x: x * 0.5),
        ("acos", lambda x: x * 0.5),
        ("atan", lambda x: x),
        ("asinh", lambda x: x),
        ("acosh", lambda x: 2 + x * x),
        ("atanh", lambda x: x * 0.5),
        ("exp2", lambda x: x),
        ("reciprocal", lambda x: 1 + x * x),
    ]
    x = np.tanh(F)
    t = np.ones_like(F)
    for name, pre in fns:
        f = lambda v, name=name, pre=pre: getattr(ml, name)(pre(v))
        g = lambda v, name=name, pre=pre: getattr(rl, name)(pre(v))
        _check(mlax.jvp(f, (x,), (t,)), jax.jvp(g, (x,), (t,)), 1e-5)
        _check(mlax.grad(lambda v: f(v).sum())(x), jax.grad(lambda v: g(v).sum())(x), 1e-5)
        _check(mlax.vmap(f)(x), jax.vmap(g)(x), 1e-5)
    for name, args in [
        ("collapse", (0, 2)),
        ("tile", ((2, 1, 1, 3),)),
        ("index_in_dim", (1, 2)),
        ("slice_in_dim", (1, 3, 1, 1)),
        ("expand_dims", ((1,),)),
    ]:
        f = lambda v, name=name, args=args: (getattr(ml, name)(v, *args) ** 2).sum()
        g = lambda v, name=name, args=args: (getattr(rl, name)(v, *args) ** 2).sum()
        _check(mlax.grad(f)(X4), jax.grad(g)(X4), 1e-5)
    f = lambda m: lambda v: m.index_in_dim(m.collapse(v, 0, 2), 1, 1, keepdims=False)
    _check(mlax.vmap(f(ml))(X4), jax.vmap(f(rl))(X4))
    sel = np.clip(I, 0, 2)
    f = lambda a, b: ml.select_n(sel, a, b, a * b).sum()
    g = lambda a, b: rl.select_n(sel, a, b, a * b).sum()
    _check(mlax.grad(f, (0, 1))(F, -F), jax.grad(g, (0, 1))(F, -F))
    _check(
        mlax.vmap(lambda w, a: ml.select_n(w, a, -a))(F > 0, F),
        jax.vmap(lambda w, a: rl.select_n(w, a, -a))(F > 0, F),
    )
    f = lambda v: ml.dynamic_slice_in_dim(v, np.int32(1), 2, 1).sum()
    _check(mlax.grad(f)(F), jax.grad(lambda v: rl.dynamic_slice_in_dim(v, 1, 2, 1).sum())(F))
    p = lambda m: lambda v: (m.conv_general_dilated_patches(v, (2, 2), (1, 1), "SAME") ** 2).sum()
    _check(mlax.grad(p(ml))(X4), jax.grad(p(rl))(X4), 1e-5)
    k = lambda m: lambda v: m.approx_max_k(v, 2)[0].sum()
    _check(mlax.grad(k(ml))(F), jax.grad(k(rl))(F))
    _check(
        mlax.vmap(lambda v: ml.argmax(v, 0, np.int32))(F),
        jax.vmap(lambda v: rl.argmax(v, 0, np.int32))(F),
    )


def test_scatter_sub_and_apply():
    dn = rl.ScatterDimensionNumbers(
        update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,)
    )
    mdn = ml.ScatterDimensionNumbers(
        update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,)
    )
    x = np.arange(5, dtype=np.float32)
    idx = np.array([[1], [3], [1]], np.int32)
    u = np.array([10.0, 20.0, 30.0], np.float32)
    _check(ml.scatter_sub(x, idx, u, mdn), rl.scatter_sub(x, idx, u, dn))
    f = lambda m, d: lambda a, b: (m.scatter_sub(a, idx, b, d) ** 2).sum()
    _check(mlax.grad(f(ml, mdn), (0, 1))(x, u), jax.grad(f(rl, dn), (0, 1))(x, u))
    sq = lambda v: v * v + 1
    _check(
        ml.scatter_apply(x, idx, sq, mdn, update_shape=(3,)),
        rl.scatter_apply(x, idx, sq, dn, update_shape=(3,)),
    )
    _check(
        mlax.jit(lambda a: ml.scatter_apply(a, idx, sq, mdn, update_shape=(3,)))(x),
        rl.scatter_apply(x, idx, sq, dn, update_shape=(3,)),
    )


def test_errors():
    with pytest.raises(TypeError):
        ml.asin(I)
    with pytest.raises(TypeError, match="index_dtype"):
        ml.argmax(F, 0, np.float32)
    with pytest.raises(ValueError, match="Invalid axis"):
        ml.argmax(F, 2, np.int32)
    with pytest.raises(ValueError, match="non-empty"):
        ml.argmin(np.zeros((0, 2), np.float32), 0, np.int32)
    with pytest.raises(TypeError, match="bool or int"):
        ml.reduce_xor(F, (0,))
    with pytest.raises(ValueError, match="repeated axis"):
        ml.expand_dims(F, (0, 0))
    with pytest.raises(ValueError, match="size not equal to one"):
        ml.squeeze(F, (0,))
    with pytest.raises(TypeError, match="scalar fill_value"):
        ml.full((2,), np.ones(2))
    with pytest.raises(TypeError, match="reps length"):
        ml.tile(F, (2,))
    with pytest.raises(ValueError, match="Sum of sizes"):
        ml.split(F, (1, 1))
    with pytest.raises(ValueError, match="same shape"):
        ml.stack([F, F[0]])
    with pytest.raises(ValueError, match="Incompatible shapes"):
        ml.broadcast_shapes((2,), (3,))
    with pytest.raises(IndexError, match="out of bounds"):
        ml.index_in_dim(F, 5)
    with pytest.raises(TypeError, match="boolean or integer"):
        ml.select_n(F, F, F)
    with pytest.raises(TypeError, match="same shapes"):
        ml.select_n(np.int32(0), F, F[0])
    with pytest.raises(TypeError, match="same dtypes"):
        ml.select_n(np.int32(0), F, I)
    with pytest.raises(TypeError, match="> 2 cases"):
        ml.select_n(True, F, F, F)
    with pytest.raises(ValueError, match="at least one case"):
        ml.select_n(True)
    with pytest.raises(ValueError, match="k must be"):
        ml.approx_max_k(F, 9)
    with pytest.raises(ValueError, match="floating"):
        ml.approx_max_k(I, 1)
    with pytest.raises(ValueError, match="same ndim"):
        ml.batch_matmul(F, X4)
    with pytest.raises(TypeError, match="Cannot determine dtype"):
        ml.dtype(object())
