"""Shared fixtures and input helpers of the differential tests (the op
table itself is op_records.py)."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def rand(rng, shape, dtype, kind="any"):
    """Inputs for derivative tests: "positive" in [0.5, 2], "unit" in
    [-0.8, 0.8], else standard normal."""
    if kind == "positive":
        x = rng.uniform(0.5, 2.0, size=shape)
    elif kind == "unit":
        x = rng.uniform(-0.8, 0.8, size=shape)
    else:
        x = rng.normal(size=shape)
    return np.asarray(x).astype(dtype)


def inputs(rng, shape, dtype, kind="any"):
    """Inputs for value tests, of any dtype (wider ranges than `rand`)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) > 0.5
    if np.issubdtype(dtype, np.integer):
        lo = 1 if kind == "positive" else (0 if np.issubdtype(dtype, np.unsignedinteger) else -9)
        return rng.integers(lo, 10, size=shape).astype(dtype)
    if np.issubdtype(dtype, np.complexfloating):
        return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dtype)
    if kind == "positive":
        x = rng.uniform(0.1, 3.0, size=shape)
    elif kind == "unit":
        x = rng.uniform(-0.9, 0.9, size=shape)
    else:
        x = rng.normal(size=shape) * 2
    return np.asarray(x).astype(dtype)
