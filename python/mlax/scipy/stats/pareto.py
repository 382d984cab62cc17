"""mlax.scipy.stats.pareto: jax.scipy.stats.pareto's functions."""

from mlax._src.scipy_stats import pareto_cdf as cdf
from mlax._src.scipy_stats import pareto_logcdf as logcdf
from mlax._src.scipy_stats import pareto_logpdf as logpdf
from mlax._src.scipy_stats import pareto_logsf as logsf
from mlax._src.scipy_stats import pareto_pdf as pdf
from mlax._src.scipy_stats import pareto_ppf as ppf
from mlax._src.scipy_stats import pareto_sf as sf

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
