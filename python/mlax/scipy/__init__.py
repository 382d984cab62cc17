"""mlax.scipy: jax.scipy's special, stats and linalg."""

from mlax.scipy import linalg, special, stats  # noqa: F401
