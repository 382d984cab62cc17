"""mlax.scipy.stats.uniform: jax.scipy.stats.uniform's functions."""

from mlax._src.scipy_stats import uniform_cdf as cdf
from mlax._src.scipy_stats import uniform_logpdf as logpdf
from mlax._src.scipy_stats import uniform_pdf as pdf
from mlax._src.scipy_stats import uniform_ppf as ppf

__all__ = ["cdf", "logpdf", "pdf", "ppf"]
