"""mlax.dtypes: dtype helpers (JAX's names)."""

from mlax._src.autodiff import float0  # noqa: F401
from mlax._src.dtypes import bfloat16, canonicalize_dtype  # noqa: F401
