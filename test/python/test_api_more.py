"""Top-level names of jax's API: typing, dlpack, custom_derivatives, Device,
NamedSharding, print_environment_info, make_array_from_callback and
make_array_from_single_device_arrays (one device here; eight in
multidevice/test_assembly_cases.py)."""

import jax
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest


def test_module_names_match_jax():
    for mod in ("typing", "dlpack", "custom_derivatives", "ops", "tree"):
        ours, theirs = getattr(mlax, mod), getattr(jax, mod)
        missing = {n for n in getattr(ours, "__all__", dir(ours))} - set(dir(ours))
        assert not missing
        if mod != "custom_derivatives":  # jax's also has internals (SymbolicZero, ...)
            public = {n for n in dir(theirs) if not n.startswith("_")}
            assert public <= set(dir(ours)), public - set(dir(ours))
    for name in ("custom_jvp", "custom_vjp", "custom_gradient"):
        assert getattr(mlax.custom_derivatives, name) is getattr(mlax, name)


def test_device_sharding_and_environment():
    assert isinstance(mlax.devices()[0], mlax.Device)
    assert mlax.NamedSharding is mlax.sharding.NamedSharding
    info = mlax.print_environment_info(return_string=True)
    assert "mlax:" in info and "device info: cpu" in info


def test_dlpack():
    for dt in ("float32", "bfloat16", "int8", "bool", "complex64"):
        assert mlax.dlpack.is_supported_dtype(dt) == jax.dlpack.is_supported_dtype(dt)
    with pytest.raises(TypeError):
        mlax.dlpack.is_supported_dtype(None)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(mlax.dlpack.from_dlpack(x), x)


def test_make_array_from_callback():
    mesh = mlax.make_mesh((1,), ("x",))
    data = np.arange(12, dtype=np.float32).reshape(4, 3)
    seen = []

    def cb(idx):
        seen.append(idx)
        return data[idx]

    for spec in (mlax.P("x"), mlax.P(), mlax.P(None, "x")):
        a = mlax.make_array_from_callback((4, 3), mlax.NamedSharding(mesh, spec), cb)
        np.testing.assert_array_equal(a, data)
        assert a.dtype == np.float32 and a.sharding.spec == spec
        assert isinstance(a, mlax.Array)
    assert all(isinstance(i, tuple) for i in seen)
    b = mlax.make_array_from_callback(
        (4, 3), mlax.NamedSharding(mesh, mlax.P()), lambda i: data[i], dtype=np.int32
    )
    assert b.dtype == np.int32
    with pytest.raises(ValueError, match="block of shape"):
        mlax.make_array_from_callback(
            (4, 3), mlax.NamedSharding(mesh, mlax.P()), lambda i: data[:2]
        )
    with pytest.raises(TypeError, match="Sharding"):
        mlax.make_array_from_callback((4, 3), "x", lambda i: data)


def test_make_array_from_single_device_arrays():
    mesh = mlax.make_mesh((1,), ("x",))
    parts = [jnp.arange(6.0).reshape(2, 3)]
    a = mlax.make_array_from_single_device_arrays(
        (2, 3), mlax.NamedSharding(mesh, mlax.P("x")), parts
    )
    np.testing.assert_array_equal(a, np.arange(6.0).reshape(2, 3))
    assert isinstance(a, mlax.Array) and (a * 2).shape == (2, 3)
    with pytest.raises(ValueError):
        mlax.make_array_from_single_device_arrays(
            (4, 3), mlax.NamedSharding(mesh, mlax.P("x")), parts
        )
