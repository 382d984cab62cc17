"""mlax.debug: print and callbacks that run when the program runs (inside
jit and transformations), as jax.debug."""

from mlax._src.debugging import callback
from mlax._src.debugging import debug_print as print  # noqa: A004

__all__ = ["callback", "print"]
