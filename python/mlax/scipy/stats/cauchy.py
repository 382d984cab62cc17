"""mlax.scipy.stats.cauchy: jax.scipy.stats.cauchy's functions."""

from mlax._src.scipy_stats import cauchy_cdf as cdf
from mlax._src.scipy_stats import cauchy_isf as isf
from mlax._src.scipy_stats import cauchy_logcdf as logcdf
from mlax._src.scipy_stats import cauchy_logpdf as logpdf
from mlax._src.scipy_stats import cauchy_logsf as logsf
from mlax._src.scipy_stats import cauchy_pdf as pdf
from mlax._src.scipy_stats import cauchy_ppf as ppf
from mlax._src.scipy_stats import cauchy_sf as sf

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
