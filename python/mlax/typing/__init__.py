"""mlax.typing: the annotation types of JAX's jax.typing."""

from mlax._src.core import ArrayLike, DTypeLike  # noqa: F401

__all__ = ["ArrayLike", "DTypeLike"]
