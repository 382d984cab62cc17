"""Every mlax op, traced through mlax.jit, exported to StableHLO, compiled and
run by PJRT, against jax.lax (the oracle) over several shapes and dtypes."""

import jax
import ml_dtypes
import mlax
import numpy as np
import pytest
from conftest import inputs as _inputs
from mlax import lax
from op_records import BINARY_RECORDS, UNARY_RECORDS

SHAPES = [(), (5,), (2, 3), (2, 1, 4)]
BF16 = np.dtype(ml_dtypes.bfloat16)


def _tol(dtype):
    dtype = np.dtype(dtype)
    if dtype in (np.float16, BF16):
        return dict(rtol=2e-2, atol=2e-2)
    return dict(rtol=2e-6, atol=2e-6)


def _check(mlax_fn, jax_fn, *args, **tol):
    got = mlax.jit(mlax_fn)(*args)
    want = jax.jit(jax_fn)(*args)
    got_leaves = got if isinstance(got, (list, tuple)) else [got]
    want_leaves = want if isinstance(want, (list, tuple)) else [want]
    for g, w in zip(got_leaves, want_leaves):
        assert isinstance(g, mlax.Array)
        assert g.shape == w.shape, (g.shape, w.shape)
        assert g.dtype == w.dtype, (g.dtype, w.dtype)
        g, w = np.asarray(g), np.asarray(w)
        tol = tol or _tol(g.dtype)
        if g.dtype == BF16:
            g, w = g.astype(np.float32), w.astype(np.float32)
        np.testing.assert_allclose(g, w, **tol, equal_nan=True)


UNARY_FLOAT = {r.name: r.domain for r in UNARY_RECORDS}


@pytest.mark.parametrize("name", sorted(UNARY_FLOAT))
@pytest.mark.parametrize("dtype", [np.float32, np.float16, BF16])
@pytest.mark.parametrize("shape", SHAPES[:3])
def test_unary_float(rng, name, dtype, shape):
    x = _inputs(rng, shape, dtype, UNARY_FLOAT[name])
    _check(getattr(lax, name), getattr(jax.lax, name), x)


@pytest.mark.parametrize("name", [r.name for r in UNARY_RECORDS if r.complex_values])
def test_unary_complex(rng, name):
    x = _inputs(rng, (4,), np.complex64)
    _check(getattr(lax, name), getattr(jax.lax, name), x, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("method", [0, 1])
def test_round(method):
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.3, -0.7], np.float32)
    _check(lambda v: lax.round(v, method), lambda v: jax.lax.round(v, method), x)


@pytest.mark.parametrize("name", ["neg", "sign", "abs", "not_"])
@pytest.mark.parametrize("dtype", [np.int32, np.int8])
def test_unary_int(rng, name, dtype):
    x = _inputs(rng, (2, 3), dtype)
    ref = {"not_": jax.lax.bitwise_not}.get(name) or getattr(jax.lax, name)
    _check(getattr(lax, name), ref, x)


def test_not_bool(rng):
    x = _inputs(rng, (7,), np.bool_)
    _check(lax.not_, jax.lax.bitwise_not, x)


BINARY_FLOAT = {r.name: r.domain for r in BINARY_RECORDS}


@pytest.mark.parametrize("name", sorted(BINARY_FLOAT))
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("shape", SHAPES)
def test_binary_float(rng, name, dtype, shape):
    kind = BINARY_FLOAT[name]
    x, y = _inputs(rng, shape, dtype, kind), _inputs(rng, shape, dtype, kind)
    _check(getattr(lax, name), getattr(jax.lax, name), x, y)


@pytest.mark.parametrize(
    "name",
    [
        "add",
        "sub",
        "mul",
        "div",
        "rem",
        "max",
        "min",
        "and_",
        "or_",
        "xor",
        "shift_left",
        "shift_right_logical",
        "shift_right_arithmetic",
    ],
)
@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.int16])
def test_binary_int(rng, name, dtype):
    x = _inputs(rng, (3, 4), dtype)
    y = _inputs(rng, (3, 4), dtype, "positive")
    if name.startswith("shift"):
        y = (y % 7).astype(dtype)
    ref = {"and_": jax.lax.bitwise_and, "or_": jax.lax.bitwise_or, "xor": jax.lax.bitwise_xor}.get(
        name
    ) or getattr(jax.lax, name)
    _check(getattr(lax, name), ref, x, y)


@pytest.mark.parametrize("name", ["add", "mul", "max", "min", "and_", "or_", "xor"])
def test_binary_bool(rng, name):
    x, y = _inputs(rng, (6,), np.bool_), _inputs(rng, (6,), np.bool_)
    ref = {
        "and_": jax.lax.bitwise_and,
        "or_": jax.lax.bitwise_or,
        "xor": jax.lax.bitwise_xor,
        "add": jax.lax.bitwise_or,
        "mul": jax.lax.bitwise_and,
    }.get(name) or getattr(jax.lax, name)
    _check(getattr(lax, name), ref, x, y)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
def test_binary_complex(rng, name):
    x, y = _inputs(rng, (5,), np.complex64), _inputs(rng, (5,), np.complex64)
    _check(getattr(lax, name), getattr(jax.lax, name), x, y, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.uint32, np.bool_])
def test_compare(rng, name, dtype):
    x = _inputs(rng, (4, 3), dtype)
    y = np.where(rng.random((4, 3)) > 0.5, x, _inputs(rng, (4, 3), dtype))
    _check(getattr(lax, name), getattr(jax.lax, name), x, y)


def test_compare_nan():
    x = np.array([np.nan, 1.0, np.nan], np.float32)
    y = np.array([np.nan, np.nan, 1.0], np.float32)
    for name in ["eq", "ne", "lt", "ge"]:
        _check(getattr(lax, name), getattr(jax.lax, name), x, y)


@pytest.mark.parametrize("shape", SHAPES)
def test_select(rng, shape):
    p = _inputs(rng, shape, np.bool_)
    x, y = _inputs(rng, shape, np.float32), _inputs(rng, shape, np.float32)
    _check(lax.select, jax.lax.select, p, x, y)


def test_select_scalar_pred(rng):
    x, y = _inputs(rng, (3,), np.int32), _inputs(rng, (3,), np.int32)
    for p in (np.bool_(True), np.bool_(False)):
        got = mlax.jit(lax.select)(p, x, y)
        np.testing.assert_array_equal(np.asarray(got), x if p else y)


@pytest.mark.parametrize("bounds", ["scalar", "array"])
def test_clamp(rng, bounds):
    x = _inputs(rng, (2, 5), np.float32)
    if bounds == "scalar":
        lo, hi = np.float32(-1), np.float32(1)
    else:
        lo = -np.abs(_inputs(rng, (2, 5), np.float32))
        hi = np.abs(_inputs(rng, (2, 5), np.float32))
    _check(lax.clamp, jax.lax.clamp, lo, x, hi)


@pytest.mark.parametrize(
    "src,dst",
    [
        (np.float32, np.int32),
        (np.int32, np.float32),
        (np.float32, BF16),
        (np.bool_, np.float32),
        (np.float32, np.bool_),
        (np.int32, np.uint8),
        (np.float16, np.float32),
        (np.uint8, np.int32),
    ],
)
def test_convert(rng, src, dst):
    x = _inputs(rng, (3, 4), src)
    _check(
        lambda v: lax.convert_element_type(v, dst),
        lambda v: jax.lax.convert_element_type(v, dst),
        x,
    )


@pytest.mark.parametrize(
    "src,dst,shape",
    [
        (np.float32, np.int32, (3,)),
        (np.float32, np.int16, (3,)),
        (np.int16, np.float32, (3, 2)),
        (np.uint32, np.float32, (2, 2)),
    ],
)
def test_bitcast_convert(rng, src, dst, shape):
    x = _inputs(rng, shape, src)
    _check(
        lambda v: lax.bitcast_convert_type(v, dst),
        lambda v: jax.lax.bitcast_convert_type(v, dst),
        x,
    )


@pytest.mark.parametrize("dtype", [np.int32, np.float32])
def test_iota(dtype):
    _check(
        lambda: lax.broadcasted_iota(dtype, (3, 4), 1),
        lambda: jax.lax.broadcasted_iota(dtype, (3, 4), 1),
    )
    _check(lambda: lax.iota(dtype, 5), lambda: jax.lax.iota(dtype, 5))


@pytest.mark.parametrize(
    "shape,out,dims",
    [
        ((), (2, 3), ()),
        ((3,), (2, 3), (1,)),
        ((2, 1), (2, 4), (0, 1)),
        ((3,), (3, 2), (0,)),
        ((2, 3), (3, 4, 2), (2, 0)),
    ],
)
def test_broadcast_in_dim(rng, shape, out, dims):
    x = _inputs(rng, shape, np.float32)
    _check(
        lambda v: lax.broadcast_in_dim(v, out, dims),
        lambda v: jax.lax.broadcast_in_dim(v, out, dims),
        x,
    )


@pytest.mark.parametrize(
    "shape,new", [((2, 3), (3, 2)), ((6,), (1, 2, 3)), ((2, 3), (6,)), ((1,), ())]
)
def test_reshape(rng, shape, new):
    x = _inputs(rng, shape, np.int32)
    _check(lambda v: lax.reshape(v, new), lambda v: jax.lax.reshape(v, new), x)


@pytest.mark.parametrize("perm", [(1, 0, 2), (2, 0, 1), (0, 2, 1)])
def test_transpose(rng, perm):
    x = _inputs(rng, (2, 3, 4), np.float32)
    _check(lambda v: lax.transpose(v, perm), lambda v: jax.lax.transpose(v, perm), x)


@pytest.mark.parametrize(
    "ls,rs,dn",
    [
        ((3, 4), (4, 5), (((1,), (0,)), ((), ()))),
        ((4,), (4,), (((0,), (0,)), ((), ()))),
        ((2, 3, 4), (2, 4, 5), (((2,), (1,)), ((0,), (0,)))),
        ((3, 2, 4), (4, 5, 2), (((2,), (0,)), ((1,), (2,)))),
        ((3,), (5,), (((), ()), ((), ()))),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_dot_general(rng, ls, rs, dn, dtype):
    x, y = _inputs(rng, ls, dtype), _inputs(rng, rs, dtype)
    _check(
        lambda a, b: lax.dot_general(a, b, dn),
        lambda a, b: jax.lax.dot_general(a, b, dn),
        x,
        y,
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.parametrize("name", ["reduce_sum", "reduce_max", "reduce_min", "reduce_prod"])
@pytest.mark.parametrize("axes", [(0,), (1,), (0, 1), ()])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_reduce(rng, name, axes, dtype):
    x = _inputs(rng, (3, 4), dtype)
    _check(
        lambda v: getattr(lax, name)(v, axes),
        lambda v: getattr(jax.lax, name)(v, axes),
        x,
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.parametrize("name", ["reduce_and", "reduce_or"])
def test_reduce_bool(rng, name):
    x = _inputs(rng, (3, 4), np.bool_)
    _check(lambda v: getattr(lax, name)(v, (1,)), lambda v: getattr(jax.lax, name)(v, (1,)), x)


@pytest.mark.parametrize(
    "start,limit,strides",
    [
        ((0, 0), (2, 3), None),
        ((1, 0), (3, 4), (1, 2)),
        ((0, 1), (3, 4), (2, 3)),
        ((1, 1), (1, 1), None),
    ],
)
def test_slice(rng, start, limit, strides):
    x = _inputs(rng, (3, 4), np.float32)
    _check(
        lambda v: lax.slice(v, start, limit, strides),
        lambda v: jax.lax.slice(v, start, limit, strides),
        x,
    )


@pytest.mark.parametrize("starts", [(0, 1), (2, 2), (5, -3)])  # clamped when out of range
def test_dynamic_slice(rng, starts):
    x = _inputs(rng, (4, 5), np.float32)
    i, j = np.int32(starts[0]), np.int32(starts[1])
    _check(
        lambda v, a, b: lax.dynamic_slice(v, (a, b), (2, 3)),
        lambda v, a, b: jax.lax.dynamic_slice(v, (a, b), (2, 3)),
        x,
        i,
        j,
    )


@pytest.mark.parametrize("starts", [(0, 1), (3, 4), (-1, 2)])
def test_dynamic_update_slice(rng, starts):
    x = _inputs(rng, (4, 5), np.float32)
    u = _inputs(rng, (2, 3), np.float32)
    i, j = np.int32(starts[0]), np.int32(starts[1])
    _check(
        lambda v, w, a, b: lax.dynamic_update_slice(v, w, (a, b)),
        lambda v, w, a, b: jax.lax.dynamic_update_slice(v, w, (a, b)),
        x,
        u,
        i,
        j,
    )


@pytest.mark.parametrize("dim", [0, 1])
def test_concatenate(rng, dim):
    xs = [
        _inputs(rng, (2, 3), np.float32),
        _inputs(rng, (2, 3), np.float32),
        _inputs(rng, (2, 3), np.float32),
    ]
    _check(lambda *v: lax.concatenate(v, dim), lambda *v: jax.lax.concatenate(v, dim), *xs)


@pytest.mark.parametrize(
    "config", [[(1, 2, 0), (0, 0, 0)], [(0, 0, 1), (2, 1, 2)], [(-1, 1, 0), (1, -2, 1)]]
)
def test_pad(rng, config):
    x = _inputs(rng, (3, 4), np.float32)
    pv = np.float32(7)
    _check(lambda v, p: lax.pad(v, p, config), lambda v, p: jax.lax.pad(v, p, config), x, pv)


@pytest.mark.parametrize("dims", [(0,), (1,), (0, 1)])
def test_rev(rng, dims):
    x = _inputs(rng, (3, 4), np.int32)
    _check(lambda v: lax.rev(v, dims), lambda v: jax.lax.rev(v, dims), x)
