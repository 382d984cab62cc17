"""mlax.scipy.stats.t: jax.scipy.stats.t's functions."""

from mlax._src.scipy_stats import t_logpdf as logpdf
from mlax._src.scipy_stats import t_pdf as pdf

__all__ = ["logpdf", "pdf"]
