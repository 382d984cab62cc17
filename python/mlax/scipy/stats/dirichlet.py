"""mlax.scipy.stats.dirichlet: jax.scipy.stats.dirichlet's functions."""

from mlax._src.scipy_stats import dirichlet_logpdf as logpdf
from mlax._src.scipy_stats import dirichlet_pdf as pdf

__all__ = ["logpdf", "pdf"]
