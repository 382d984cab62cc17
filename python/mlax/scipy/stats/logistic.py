"""mlax.scipy.stats.logistic: jax.scipy.stats.logistic's functions."""

from mlax._src.scipy_stats import logistic_cdf as cdf
from mlax._src.scipy_stats import logistic_isf as isf
from mlax._src.scipy_stats import logistic_logpdf as logpdf
from mlax._src.scipy_stats import logistic_pdf as pdf
from mlax._src.scipy_stats import logistic_ppf as ppf
from mlax._src.scipy_stats import logistic_sf as sf

__all__ = ["cdf", "isf", "logpdf", "pdf", "ppf", "sf"]
