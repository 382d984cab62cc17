"""Set operations, splitting / index helpers and dtype queries of
mlax.numpy against jax: values and dtypes, jit, grad / vmap, errors."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest

A = np.array([3, 1, 2, 3, -1, 5], np.int32)
B = np.array([[2, 5], [7, 3]], np.int32)
FA = np.array([1.0, np.nan, 2.0, np.nan, 1.0], np.float32)
FB = np.array([np.nan, 2.0], np.float32)
E = np.zeros((0,), np.int32)
PAIRS = [
    (A, B),
    (FA, FB),
    (A, E),
    (E, E),
    (np.int32(3), A),
    (np.array([True, False]), np.array([True])),
]


def _check(got, want):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want)
        for g, w in zip(got, want):
            _check(g, w)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got, want)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", ["setdiff1d", "setxor1d", "union1d", "intersect1d"])
@pytest.mark.parametrize("pair", range(len(PAIRS)))
def test_set_ops(name, pair):
    x, y = PAIRS[pair]
    f, g = getattr(jnp, name), getattr(ref, name)
    _check(f(x, y), g(x, y))
    for size, fill in ((2, None), (8, 9)) if pair < 2 else ((8, None),):
        if name == "union1d" and not (np.size(x) + np.size(y)) and fill is None:
            with pytest.raises(ValueError):
                f(x, y, size=size)
            continue
        _check(f(x, y, size=size, fill_value=fill), g(x, y, size=size, fill_value=fill))
        if pair == 0:
            jf = mlax.jit(lambda a, b: f(a, b, size=size, fill_value=fill))
            _check(jf(x, y), g(x, y, size=size, fill_value=fill))
    if name == "intersect1d" and np.size(x) and np.size(y):
        _check(f(x, y, return_indices=True), g(x, y, return_indices=True))
        _check(f(x, y, return_indices=True, size=5), g(x, y, return_indices=True, size=5))


def test_isin_and_assume_unique():
    for x, y in PAIRS:
        for method in ("auto", "compare_all", "binary_search", "sort"):
            for inv in (False, True):
                _check(jnp.isin(x, y, invert=inv, method=method), ref.isin(x, y, invert=inv))
    _check(mlax.jit(jnp.isin)(B, A), ref.isin(B, A))
    _check(mlax.vmap(jnp.isin, (0, None))(B, A), jax.vmap(ref.isin, (0, None))(B, A))
    u, t = np.array([5, 3, 2, 1, -1], np.int32), np.array([5, 2, 9], np.int32)
    for name in ("isin", "setdiff1d", "setxor1d", "intersect1d"):
        _check(
            getattr(jnp, name)(u, t, assume_unique=True),
            getattr(ref, name)(u, t, assume_unique=True),
        )
    with pytest.raises(ValueError):
        jnp.isin(A, B, method="foo")
    with pytest.raises(TypeError):
        jnp.isin([1, 2], A)


@pytest.mark.parametrize("name", ["unique_all", "unique_counts", "unique_inverse", "unique_values"])
def test_unique_family(name):
    f, g = getattr(jnp, name), getattr(ref, name)
    for x in (A, B, FA, E, np.float32(2), np.array([True, False, True])):
        got, want = f(x), g(x)
        _check(got, want)
        if name != "unique_values":
            assert type(got).__name__ == type(want).__name__ and got._fields == want._fields
        _check(f(x, size=4, fill_value=0), g(x, size=4, fill_value=0))
        if np.size(x):
            _check(mlax.jit(lambda v: f(v, size=2))(x), g(x, size=2))
    with pytest.raises(TypeError):
        f([1, 2])


def test_set_ops_need_size_under_jit():
    for name in ("setdiff1d", "setxor1d", "union1d", "intersect1d"):
        with pytest.raises(mlax.ConcretizationTypeError):
            mlax.jit(getattr(jnp, name))(A, A)
    with pytest.raises(TypeError):
        mlax.jit(jnp.unique_values)(A)


X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


@pytest.mark.parametrize("ios", [2, 3, [1], [1, 2], np.array([1, 3]), [2, 1], [5], 0, []])
def test_splits(ios):
    for name, args in [("array_split", (0,)), ("array_split", (2,)), ("array_split", (-1,))]:
        args = [("hsplit", ()), ("vsplit", ()), ("dsplit", ())] + [(name, args)]
        for nm, extra in args:
            for y in (X, X[0], X[0, 0]):
                try:
                    want = getattr(ref, nm)(y, ios, *extra)
                except Exception as e:  # the same error type
                    with pytest.raises(type(e)):
                        getattr(jnp, nm)(y, ios, *extra)
                    continue
                _check(getattr(jnp, nm)(y, ios, *extra), want)
    f = lambda v: sum((p**2).sum() * i for i, p in enumerate(jnp.array_split(v, 3, axis=2)))
    g = lambda v: sum((p**2).sum() * i for i, p in enumerate(ref.array_split(v, 3, axis=2)))
    np.testing.assert_allclose(mlax.grad(f)(X), jax.grad(g)(X))
    np.testing.assert_allclose(mlax.jit(f)(X), g(X))


def test_stack_helpers():
    for y in (X, X[0], np.zeros((0, 3), np.int32), np.bool_(True)):
        for ax in (0, -1, 1, 2):
            try:
                want = ref.unstack(y, axis=ax)
            except ValueError:
                with pytest.raises(ValueError):
                    jnp.unstack(y, axis=ax)
                continue
            _check(jnp.unstack(y, axis=ax), want)
        perm = tuple(range(np.ndim(y)))[::-1]
        _check(jnp.permute_dims(y, perm), ref.permute_dims(y, perm))
        if np.ndim(y) >= 2:
            _check(jnp.matrix_transpose(y), ref.matrix_transpose(y))
        else:
            with pytest.raises(ValueError):
                jnp.matrix_transpose(y)
    _check(jnp.concat([X, X], axis=1), ref.concat([X, X], axis=1))
    _check(jnp.concat([X[0], A[:4].reshape(1, 4)]), ref.concat([X[0], A[:4].reshape(1, 4)]))
    _check(jnp.concat([X, B], axis=None), ref.concat([X, B], axis=None))
    with pytest.raises(TypeError):
        jnp.concat([X, [1]])
    with pytest.raises(TypeError):
        jnp.permute_dims(X, (0, 0, 1))
    for f, g in [(lambda v: jnp.unstack(v, axis=1)[2], lambda v: ref.unstack(v, axis=1)[2]),
                 (lambda v: jnp.matrix_transpose(v) * np.arange(3.0), lambda v: ref.matrix_transpose(v) * np.arange(3.0)),
                 (lambda v: jnp.permute_dims(v, (2, 0, 1))[1], lambda v: ref.permute_dims(v, (2, 0, 1))[1])]:  # fmt: skip
        np.testing.assert_allclose(
            mlax.grad(lambda v: (f(v) ** 2).sum())(X), jax.grad(lambda v: (g(v) ** 2).sum())(X)
        )
        XX = np.stack([X, X + 1])
        _check(mlax.vmap(f)(XX), jax.vmap(g)(XX))
        _check(mlax.jit(f)(X), g(X))


def test_index_helpers():
    for y in (
        np.ones((3, 3), np.int32),
        np.ones((2, 3), np.float32),
        np.ones((2, 2, 2)),
        np.ones(3),
    ):
        for name, args in [
            ("diag_indices_from", ()),
            ("tril_indices_from", (1,)),
            ("triu_indices_from", (-1,)),
        ]:
            try:
                want = getattr(ref, name)(y, *args)
            except ValueError:
                with pytest.raises(ValueError):
                    getattr(jnp, name)(y, *args)
                continue
            _check(getattr(jnp, name)(y, *args), want)
        for k in (0, 1, -2):
            _check(jnp.diagflat(y, k), ref.diagflat(y, k))
        for v in (5, np.array([1.0, 2.0]), np.array([[1, 2], [3, 4]], np.int32), np.float32(2.5)):
            try:
                want = ref.fill_diagonal(y, v, inplace=False)
            except ValueError:
                with pytest.raises(ValueError):
                    jnp.fill_diagonal(y, v, inplace=False)
                continue
            _check(jnp.fill_diagonal(y, v, inplace=False), want)
    _check(jnp.diagflat(E), ref.diagflat(E))
    for n in (0, 1, 3):
        for k in (-1, 0, 2):
            _check(jnp.mask_indices(n, jnp.triu, k), ref.mask_indices(n, ref.triu, k))
            _check(
                jnp.mask_indices(n, jnp.tril, k, size=4), ref.mask_indices(n, ref.tril, k, size=4)
            )
    with pytest.raises(NotImplementedError):
        jnp.fill_diagonal(X[0], 1.0)
    with pytest.raises(NotImplementedError):
        jnp.fill_diagonal(X[0], 1.0, wrap=True, inplace=False)
    with pytest.raises(TypeError):
        jnp.diagflat([1, 2])
    with pytest.raises(TypeError):
        jnp.tril_indices_from([[1, 2]])
    m = np.arange(9.0, dtype=np.float32).reshape(3, 3)
    d = np.array([1.0, 2.0], np.float32)
    f = lambda a, v: (jnp.fill_diagonal(a, v, inplace=False) ** 2).sum()
    g = lambda a, v: (ref.fill_diagonal(a, v, inplace=False) ** 2).sum()
    for got, want in zip(mlax.grad(f, (0, 1))(m, d), jax.grad(g, (0, 1))(m, d)):
        np.testing.assert_allclose(got, want)
    np.testing.assert_allclose(
        mlax.grad(lambda v: (jnp.diagflat(v, 1) * m[:, :3][:3]).sum())(d[:2]),
        jax.grad(lambda v: (ref.diagflat(v, 1) * m).sum())(d[:2]),
    )
    _check(mlax.vmap(lambda v: jnp.diagflat(v, -1))(m), jax.vmap(lambda v: ref.diagflat(v, -1))(m))


R_KEYS = [
    lambda m: m[1, 2.5, np.float32(3)],
    lambda m: m[np.int8(1), np.int8(3)],
    lambda m: m[np.array([1, 2], np.int8), 3],
    lambda m: m[np.array([1, 2], np.int8), 3.0],
    lambda m: m["0,2", [1, 2], [3, 4]],
    lambda m: m["0,2,0", [1, 2], [3, 4]],
    lambda m: m["1,3,1", [1, 2], [3, 4]],
    lambda m: m["-1,2,0,1", [1, 2], [3, 4]],
    lambda m: m["r", [1, 2], [3, 4]],
    lambda m: m["c", [1, 2], [3, 4]],
    lambda m: m[0:1:5j, 3:6],
    lambda m: m[True, False],
    lambda m: m[np.ones((2, 2)), [[3, 4]]],
    lambda m: m[np.zeros((0,))],
    lambda m: m["0,2", np.ones((2, 3)), np.ones(3)],
    lambda m: m[1:4, np.float32(2)],
]


@pytest.mark.parametrize("key", range(len(R_KEYS)))
def test_r_c(key):
    for mine, theirs in ((jnp.r_, ref.r_), (jnp.c_, ref.c_)):
        try:
            want = R_KEYS[key](theirs)
        except (ValueError, TypeError) as e:
            with pytest.raises(type(e)):
                R_KEYS[key](mine)
            continue
        _check(R_KEYS[key](mine), want)


def test_r_errors_and_index_exp():
    for m in (jnp.r_, jnp.c_):
        with pytest.raises(ValueError):
            m["a", [1, 2]]
        with pytest.raises(ValueError):
            m[[1, 2], "a"]
        assert len(m) == 0
    assert jnp.s_[1:2, ..., None] == ref.s_[1:2, ..., None]
    assert jnp.index_exp[1] == ref.index_exp[1]
    x = np.arange(6.0, dtype=np.float32)
    np.testing.assert_allclose(
        mlax.grad(lambda v: (jnp.r_[v, 2 * v] ** 2).sum())(x),
        jax.grad(lambda v: (ref.r_[v, 2 * v] ** 2).sum())(x),
    )


def test_dtype_names_and_queries():
    names = [
        "bool",
        "bool_",
        "complex_",
        "cdouble",
        "csingle",
        "double",
        "single",
        "float_",
        "int_",
    ]
    names += ["uint"]
    for n in names:
        assert np.dtype(getattr(jnp, n)) == np.dtype(getattr(ref, n)), n
    for n in ["generic", "number", "integer", "inexact", "floating", "complexfloating", "signedinteger",
              "unsignedinteger", "character", "flexible", "object_", "ComplexWarning"]:  # fmt: skip
        assert getattr(jnp, n) is getattr(ref, n), n
    kinds = [
        "bool",
        "signed integer",
        "unsigned integer",
        "integral",
        "real floating",
        "complex floating",
    ]
    kinds += ["numeric", np.float32, ("integral", np.float32)]
    for d in (np.int32, np.uint8, np.float32, np.bool_, np.complex64, jnp.bfloat16, np.float16):
        for k in kinds:
            assert jnp.isdtype(d, k) == ref.isdtype(d, k), (d, k)
    with pytest.raises(ValueError):
        jnp.isdtype(np.int32, "foo")
    with pytest.raises(TypeError):
        jnp.isdtype(np.int32, 3)
    for a, b in [(np.int32, np.float32), (np.float32, np.int32), (np.int8, "int16")]:
        for c in ("safe", "same_kind", "unsafe"):
            assert jnp.can_cast(a, b, c) == ref.can_cast(a, b, c)
    for v in [
        1,
        1j,
        1.0,
        np.complex64(1),
        np.ones(2),
        np.ones(2, np.complex64),
        [1j],
        None,
        "a",
        True,
    ]:
        assert jnp.iscomplexobj(v) == ref.iscomplexobj(v) and jnp.isrealobj(v) == ref.isrealobj(
            v
        ), v
    assert jnp.iscomplexobj(jnp.ones(2, np.complex64)) and jnp.isrealobj(jnp.ones(2))
    for v in [1, 1j, np.array([1, 2 + 1j, 3j]), np.array([1.0, 2.0]), np.int32(3), np.zeros(0)]:
        _check(jnp.iscomplex(v), ref.iscomplex(v))
        _check(jnp.isreal(v), ref.isreal(v))
    _check(mlax.jit(jnp.iscomplex)(np.array([1, 2j])), ref.iscomplex(np.array([1, 2j])))
    assert jnp.iterable([1]) and not jnp.iterable(1)
    assert jnp.get_printoptions() == ref.get_printoptions()
    with jnp.printoptions(precision=2):
        assert jnp.get_printoptions()["precision"] == 2


SIGS = ["isin", "intersect1d", "setdiff1d", "setxor1d", "union1d", "unique_all", "unique_counts",
        "unique_inverse", "unique_values", "array_split", "hsplit", "vsplit", "dsplit", "unstack",
        "concat", "permute_dims", "matrix_transpose", "diag_indices_from", "tril_indices_from",
        "triu_indices_from", "mask_indices", "fill_diagonal", "diagflat", "isdtype", "iscomplexobj",
        "isrealobj", "iscomplex", "isreal"]  # fmt: skip


@pytest.mark.parametrize("name", SIGS)
def test_signatures(name):
    import inspect

    def params(f):
        return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]

    assert params(getattr(jnp, name)) == params(getattr(ref, name))
