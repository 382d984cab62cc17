"""mlax.scipy.stats.gumbel_r: jax.scipy.stats.gumbel_r's functions."""

from mlax._src.scipy_stats import gumbel_r_cdf as cdf
from mlax._src.scipy_stats import gumbel_r_logcdf as logcdf
from mlax._src.scipy_stats import gumbel_r_logpdf as logpdf
from mlax._src.scipy_stats import gumbel_r_logsf as logsf
from mlax._src.scipy_stats import gumbel_r_pdf as pdf
from mlax._src.scipy_stats import gumbel_r_ppf as ppf
from mlax._src.scipy_stats import gumbel_r_sf as sf

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
