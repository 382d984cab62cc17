"""mlax.scipy.stats.multivariate_normal: jax.scipy.stats.multivariate_normal's functions."""

from mlax._src.scipy_stats import multivariate_normal_logpdf as logpdf
from mlax._src.scipy_stats import multivariate_normal_pdf as pdf

__all__ = ["logpdf", "pdf"]
