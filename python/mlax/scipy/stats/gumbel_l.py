"""mlax.scipy.stats.gumbel_l: jax.scipy.stats.gumbel_l's functions."""

from mlax._src.scipy_stats import gumbel_l_cdf as cdf
from mlax._src.scipy_stats import gumbel_l_logcdf as logcdf
from mlax._src.scipy_stats import gumbel_l_logpdf as logpdf
from mlax._src.scipy_stats import gumbel_l_logsf as logsf
from mlax._src.scipy_stats import gumbel_l_pdf as pdf
from mlax._src.scipy_stats import gumbel_l_ppf as ppf
from mlax._src.scipy_stats import gumbel_l_sf as sf

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
