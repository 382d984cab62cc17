"""mlax.ops: segment reductions (JAX's jax.ops)."""

from mlax._src.segment_ops import (  # noqa: F401
    segment_max,
    segment_min,
    segment_prod,
    segment_sum,
)
