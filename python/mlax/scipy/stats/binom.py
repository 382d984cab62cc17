"""mlax.scipy.stats.binom: jax.scipy.stats.binom's functions."""

from mlax._src.scipy_stats import binom_logpmf as logpmf
from mlax._src.scipy_stats import binom_pmf as pmf

__all__ = ["logpmf", "pmf"]
