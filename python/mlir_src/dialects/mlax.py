"""Python builders for the mlax dialect (generated from its ODS)."""

from .._mlir_libs._mlaxDialects.mlax import *  # noqa: F401,F403
from ._mlax_ops_gen import *  # noqa: F401,F403
