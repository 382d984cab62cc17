"""mlax.dtypes: dtype helpers (JAX's names)."""

from mlax._src.autodiff import float0  # noqa: F401
from mlax._src.dtypes import (  # noqa: F401
    bfloat16,
    canonicalize_dtype,
    finfo,
    iinfo,
    issubdtype,
)
from mlax._src.numpy_info import promote_types, result_type  # noqa: F401
