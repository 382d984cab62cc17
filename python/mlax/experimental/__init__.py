"""mlax.experimental: JAX's jax.experimental names that mlax implements
(`ode.odeint`, `shard_map.shard_map`, the x64 context managers)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from mlax._src.config import enable_x64 as _x64


@contextlib.contextmanager
def enable_x64(new_val: bool = True) -> Iterator[None]:
    """Within the block, 64-bit types are (new_val=True) or are not enabled."""
    with _x64(new_val):
        yield


@contextlib.contextmanager
def disable_x64() -> Iterator[None]:
    """Within the block, 64-bit types are disabled."""
    with _x64(False):
        yield


__all__ = ["disable_x64", "enable_x64"]
