"""Device meshes and shardings (JAX's `jax.sharding`)."""

from mlax._src.sharding_impl import (  # noqa: F401
    Mesh,
    NamedSharding,
    PartitionSpec,
    Sharding,
    SingleDeviceSharding,
)

__all__ = ["Mesh", "NamedSharding", "PartitionSpec", "Sharding", "SingleDeviceSharding"]
