"""The exceptions mlax raises for user mistakes (JAX's names; docs/errors.md)."""
from mlax._src.core import (ConcretizationTypeError, TracerArrayConversionError,
                            TracerBoolConversionError, TracerIntegerConversionError,
                            TransformationError, UnexpectedTracerError)

__all__ = ["ConcretizationTypeError", "TracerArrayConversionError", "TracerBoolConversionError",
           "TracerIntegerConversionError", "TransformationError", "UnexpectedTracerError"]
