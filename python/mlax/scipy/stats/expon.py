"""mlax.scipy.stats.expon: jax.scipy.stats.expon's functions."""

from mlax._src.scipy_stats import expon_cdf as cdf
from mlax._src.scipy_stats import expon_logcdf as logcdf
from mlax._src.scipy_stats import expon_logpdf as logpdf
from mlax._src.scipy_stats import expon_logsf as logsf
from mlax._src.scipy_stats import expon_pdf as pdf
from mlax._src.scipy_stats import expon_ppf as ppf
from mlax._src.scipy_stats import expon_sf as sf

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
