"""The exceptions mlax raises for user mistakes (JAX's names; docs/errors.md)."""

from mlax._src.core import (
    ConcretizationTypeError,
    TracerArrayConversionError,
    TracerBoolConversionError,
    TracerIntegerConversionError,
    TransformationError,
    UnexpectedTracerError,
)
from mlax._src.indexing import NonConcreteBooleanIndexError

__all__ = [
    "ConcretizationTypeError",
    "NonConcreteBooleanIndexError",
    "TracerArrayConversionError",
    "TracerBoolConversionError",
    "TracerIntegerConversionError",
    "TransformationError",
    "UnexpectedTracerError",
]
