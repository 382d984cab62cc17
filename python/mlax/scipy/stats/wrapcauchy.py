"""mlax.scipy.stats.wrapcauchy: jax.scipy.stats.wrapcauchy's functions."""

from mlax._src.scipy_stats import wrapcauchy_logpdf as logpdf
from mlax._src.scipy_stats import wrapcauchy_pdf as pdf

__all__ = ["logpdf", "pdf"]
