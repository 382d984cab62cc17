"""mlax.scipy.stats.vonmises: jax.scipy.stats.vonmises's functions."""

from mlax._src.scipy_stats import vonmises_logpdf as logpdf
from mlax._src.scipy_stats import vonmises_pdf as pdf

__all__ = ["logpdf", "pdf"]
