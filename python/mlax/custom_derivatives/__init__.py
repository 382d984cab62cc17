"""mlax.custom_derivatives: JAX's jax.custom_derivatives names."""

from mlax._src.custom_derivatives import (  # noqa: F401
    closure_convert,
    custom_gradient,
    custom_jvp,
    custom_vjp,
)

__all__ = ["closure_convert", "custom_gradient", "custom_jvp", "custom_vjp"]
