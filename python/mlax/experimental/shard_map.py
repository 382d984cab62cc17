"""mlax.experimental.shard_map: shard_map at its older address (as jax)."""

from mlax._src.shard_map import shard_map

__all__ = ["shard_map"]
