"""mlax.scipy: jax.scipy's special, stats, linalg and optimize (more as added)."""

from mlax.scipy import linalg, optimize, special, stats  # noqa: F401
