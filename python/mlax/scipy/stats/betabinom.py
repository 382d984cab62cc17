"""mlax.scipy.stats.betabinom: jax.scipy.stats.betabinom's functions."""

from mlax._src.scipy_stats import betabinom_logpmf as logpmf
from mlax._src.scipy_stats import betabinom_pmf as pmf

__all__ = ["logpmf", "pmf"]
