"""make_array_from_callback / make_array_from_single_device_arrays over 8
virtual CPU devices against jax's (run by test/python/test_sharding.py)."""

import jax
import mlax
import numpy as np
import pytest
from jax.sharding import NamedSharding as JNamed
from jax.sharding import PartitionSpec as JP

pytestmark = pytest.mark.skipif(
    mlax.device_count() < 8, reason="needs 8 devices (XLA_FLAGS device count)"
)
DATA = np.arange(8 * 8, dtype=np.float32).reshape(8, 8)


CASES = [((8,), spec) for spec in [(), ("a",), (None, "a")]] + [
    ((2, 4), spec) for spec in [(), ("a",), (None, "a"), ("a", "b")]
]


@pytest.mark.parametrize("mesh_shape,spec", CASES)
def test_callback_blocks_match_jax(mesh_shape, spec):
    names = ("a", "b")[: len(mesh_shape)]
    m = mlax.make_mesh(mesh_shape, names)
    jm = jax.sharding.Mesh(np.array(jax.devices()).reshape(mesh_shape), names)
    a = mlax.make_array_from_callback(
        DATA.shape, mlax.NamedSharding(m, mlax.P(*spec)), lambda i: DATA[i]
    )
    b = jax.make_array_from_callback(DATA.shape, JNamed(jm, JP(*spec)), lambda i: DATA[i])
    np.testing.assert_array_equal(a, DATA)
    got = {s.device.id: (s.index, np.asarray(s.data)) for s in a.addressable_shards}
    for s in b.addressable_shards:
        index, block = got[s.device.id]
        assert index == s.index
        np.testing.assert_array_equal(block, np.asarray(s.data))
    # A sharded Array computes like any other.
    np.testing.assert_allclose(mlax.jit(lambda x: (x * 2).sum(0))(a), (DATA * 2).sum(0))


def test_single_device_arrays():
    m = mlax.make_mesh((8,), ("a",))
    parts = [mlax.device_put(DATA[i : i + 1], d) for i, d in enumerate(mlax.devices())]
    a = mlax.make_array_from_single_device_arrays(
        DATA.shape, mlax.NamedSharding(m, mlax.P("a")), parts
    )
    np.testing.assert_array_equal(a, DATA)
    assert len(a.addressable_shards) == 8
    with pytest.raises(ValueError):
        mlax.make_array_from_single_device_arrays(
            DATA.shape, mlax.NamedSharding(m, mlax.P("a")), parts[:4]
        )
