"""mlax.scipy.stats.truncnorm: jax.scipy.stats.truncnorm's functions."""

from mlax._src.scipy_stats import truncnorm_cdf as cdf
from mlax._src.scipy_stats import truncnorm_logcdf as logcdf
from mlax._src.scipy_stats import truncnorm_logpdf as logpdf
from mlax._src.scipy_stats import truncnorm_logsf as logsf
from mlax._src.scipy_stats import truncnorm_pdf as pdf
from mlax._src.scipy_stats import truncnorm_sf as sf

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]
