"""mlax.scipy.stats.gennorm: jax.scipy.stats.gennorm's functions."""

from mlax._src.scipy_stats import gennorm_cdf as cdf
from mlax._src.scipy_stats import gennorm_logpdf as logpdf
from mlax._src.scipy_stats import gennorm_pdf as pdf

__all__ = ["cdf", "logpdf", "pdf"]
