"""mlax.random against jax.random: the same streams, bit for bit."""

import jax
import numpy as np
import pytest
from mlax import random


@pytest.mark.parametrize("seed", [0, 1, 42, 2**31 + 5])
def test_keys_and_split(seed):
    k = random.key(seed)
    kj = jax.random.key_data(jax.random.key(seed))
    np.testing.assert_array_equal(np.asarray(k), np.asarray(kj))
    for num in (2, 3, 7):
        np.testing.assert_array_equal(
            np.asarray(random.split(k, num)),
            np.asarray(jax.random.key_data(jax.random.split(jax.random.key(seed), num))),
        )


@pytest.mark.parametrize("shape", [(), (3,), (2, 5), (4, 3, 2)])
def test_bits_uniform_normal(shape):
    k, kj = random.key(7), jax.random.key(7)
    np.testing.assert_array_equal(
        np.asarray(random.bits(k, shape)), np.asarray(jax.random.bits(kj, shape))
    )
    np.testing.assert_array_equal(
        np.asarray(random.uniform(k, shape)), np.asarray(jax.random.uniform(kj, shape))
    )
    np.testing.assert_array_equal(
        np.asarray(random.uniform(k, shape, minval=-2.0, maxval=3.0)),
        np.asarray(jax.random.uniform(kj, shape, minval=-2.0, maxval=3.0)),
    )
    np.testing.assert_array_equal(
        np.asarray(random.normal(k, shape)), np.asarray(jax.random.normal(kj, shape))
    )


def test_split_rows_as_keys():
    key, sub = random.split(random.key(0))
    kj, subj = jax.random.split(jax.random.key(0))
    np.testing.assert_array_equal(
        np.asarray(random.normal(sub, (3,))), np.asarray(jax.random.normal(subj, (3,)))
    )


def test_bad_key():
    with pytest.raises(TypeError, match="uint32 array of shape"):
        random.normal(np.zeros(3, np.uint32), (2,))
