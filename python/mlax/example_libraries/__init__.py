"""mlax.example_libraries: jax.example_libraries' `optimizers` and `stax`
(same names, signatures and semantics), written against mlax."""

from mlax.example_libraries import optimizers, stax

__all__ = ["optimizers", "stax"]
