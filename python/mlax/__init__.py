"""mlax: a differentiable array compiler built on MLIR, with JAX's API."""

from mlax import dtypes, errors, lax, numpy, random, tree, tree_util
from mlax._src.api import block_until_ready, device_put, jit, make_mlir
from mlax._src.autodiff import grad, jvp, linear_transpose, linearize, value_and_grad, vjp
from mlax._src.batching import hessian, jacfwd, jacrev, vmap
from mlax._src.config import config
from mlax._src.core import Array, ConcretizationTypeError, ShapedArray, TransformationError
from mlax._src.custom_derivatives import custom_jvp, custom_vjp

__version__ = "0.1.0"

__all__ = [
    "Array",
    "ConcretizationTypeError",
    "ShapedArray",
    "TransformationError",
    "block_until_ready",
    "config",
    "custom_jvp",
    "custom_vjp",
    "device_put",
    "dtypes",
    "errors",
    "grad",
    "hessian",
    "jacfwd",
    "jacrev",
    "vmap",
    "jit",
    "jvp",
    "linear_transpose",
    "linearize",
    "value_and_grad",
    "vjp",
    "lax",
    "make_mlir",
    "numpy",
    "random",
    "tree",
    "tree_util",
]
