"""mlax.scipy.stats.geom: jax.scipy.stats.geom's functions."""

from mlax._src.scipy_stats import geom_logpmf as logpmf
from mlax._src.scipy_stats import geom_pmf as pmf

__all__ = ["logpmf", "pmf"]
