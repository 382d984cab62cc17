"""mlax.scipy.stats.multinomial: jax.scipy.stats.multinomial's functions."""

from mlax._src.scipy_stats import multinomial_logpmf as logpmf
from mlax._src.scipy_stats import multinomial_pmf as pmf

__all__ = ["logpmf", "pmf"]
