"""mlax.scipy.optimize: minimize (BFGS), line_search, OptimizeResults."""

from mlax._src.scipy_optimize import OptimizeResults, line_search, minimize

__all__ = ["OptimizeResults", "line_search", "minimize"]
