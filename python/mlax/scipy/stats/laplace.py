"""mlax.scipy.stats.laplace: jax.scipy.stats.laplace's functions."""

from mlax._src.scipy_stats import laplace_cdf as cdf
from mlax._src.scipy_stats import laplace_logpdf as logpdf
from mlax._src.scipy_stats import laplace_pdf as pdf

__all__ = ["cdf", "logpdf", "pdf"]
