"""mlax.scipy.stats.chi2: jax.scipy.stats.chi2's functions."""

from mlax._src.scipy_stats import chi2_cdf as cdf
from mlax._src.scipy_stats import chi2_logcdf as logcdf
from mlax._src.scipy_stats import chi2_logpdf as logpdf
from mlax._src.scipy_stats import chi2_logsf as logsf
from mlax._src.scipy_stats import chi2_pdf as pdf
from mlax._src.scipy_stats import chi2_sf as sf

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]
