"""mlax.scipy.stats.norm: jax.scipy.stats.norm's functions."""

from mlax._src.scipy_stats import norm_cdf as cdf
from mlax._src.scipy_stats import norm_isf as isf
from mlax._src.scipy_stats import norm_logcdf as logcdf
from mlax._src.scipy_stats import norm_logpdf as logpdf
from mlax._src.scipy_stats import norm_logsf as logsf
from mlax._src.scipy_stats import norm_pdf as pdf
from mlax._src.scipy_stats import norm_ppf as ppf
from mlax._src.scipy_stats import norm_sf as sf

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
