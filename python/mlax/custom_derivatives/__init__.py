"""mlax.custom_derivatives: JAX's jax.custom_derivatives names."""

from mlax._src.custom_derivatives import custom_gradient, custom_jvp, custom_vjp  # noqa: F401

__all__ = ["custom_gradient", "custom_jvp", "custom_vjp"]
