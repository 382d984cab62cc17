"""mlax.scipy.stats.beta: jax.scipy.stats.beta's functions."""

from mlax._src.scipy_stats import beta_cdf as cdf
from mlax._src.scipy_stats import beta_logcdf as logcdf
from mlax._src.scipy_stats import beta_logpdf as logpdf
from mlax._src.scipy_stats import beta_logsf as logsf
from mlax._src.scipy_stats import beta_pdf as pdf
from mlax._src.scipy_stats import beta_sf as sf

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]
