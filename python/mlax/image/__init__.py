"""mlax.image: jax.image's resize, scale_and_translate and ResizeMethod (same
methods and string names, values, dtypes, errors and derivatives)."""

from mlax._src.image import ResizeMethod, resize, scale_and_translate

__all__ = ["ResizeMethod", "resize", "scale_and_translate"]
