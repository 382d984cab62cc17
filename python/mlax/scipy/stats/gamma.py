"""mlax.scipy.stats.gamma: jax.scipy.stats.gamma's functions."""

from mlax._src.scipy_stats import gamma_cdf as cdf
from mlax._src.scipy_stats import gamma_logcdf as logcdf
from mlax._src.scipy_stats import gamma_logpdf as logpdf
from mlax._src.scipy_stats import gamma_logsf as logsf
from mlax._src.scipy_stats import gamma_pdf as pdf
from mlax._src.scipy_stats import gamma_sf as sf

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]
