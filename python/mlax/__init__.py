"""mlax: a differentiable array compiler built on MLIR, with JAX's API."""

from mlax import (
    ad_checkpoint,
    debug,
    dtypes,
    errors,
    lax,
    nn,
    numpy,
    ops,
    random,
    scipy,
    sharding,
    tree,
    tree_util,
)
from mlax._src.ad_checkpoint import checkpoint, checkpoint_policies, remat
from mlax._src.api import (
    ShapeDtypeStruct,
    block_until_ready,
    clear_caches,
    device_get,
    device_put,
    ensure_compile_time_eval,
    eval_shape,
    jit,
    make_jaxpr,
    make_mlir,
    named_call,
    named_scope,
    typeof,
)
from mlax._src.autodiff import grad, jvp, linear_transpose, linearize, value_and_grad, vjp
from mlax._src.batching import hessian, jacfwd, jacrev, vmap
from mlax._src.batching import jacrev as jacobian
from mlax._src.config import (
    config,
    debug_infs,
    debug_nans,
    default_device,
    default_matmul_precision,
    disable_jit,
    enable_x64,
    log_compiles,
    numpy_rank_promotion,
)
from mlax._src.core import Array, ConcretizationTypeError, ShapedArray, TransformationError
from mlax._src.custom_derivatives import custom_gradient, custom_jvp, custom_vjp
from mlax._src.debugging import pure_callback
from mlax._src.devices import (
    default_backend,
    device_count,
    devices,
    local_device_count,
    local_devices,
    process_count,
    process_index,
)
from mlax._src.pmap import pmap
from mlax._src.shard_map import shard_map
from mlax._src.sharding_impl import PartitionSpec as P
from mlax._src.sharding_impl import make_mesh
from mlax.dtypes import float0

__version__ = "0.1.0"

__all__ = [
    "Array",
    "P",
    "ConcretizationTypeError",
    "ShapeDtypeStruct",
    "ShapedArray",
    "TransformationError",
    "ad_checkpoint",
    "block_until_ready",
    "checkpoint",
    "checkpoint_policies",
    "clear_caches",
    "config",
    "custom_gradient",
    "custom_jvp",
    "custom_vjp",
    "debug",
    "debug_infs",
    "debug_nans",
    "default_backend",
    "default_device",
    "default_matmul_precision",
    "device_count",
    "device_get",
    "device_put",
    "devices",
    "disable_jit",
    "dtypes",
    "enable_x64",
    "ensure_compile_time_eval",
    "errors",
    "eval_shape",
    "float0",
    "grad",
    "hessian",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jit",
    "jvp",
    "lax",
    "linear_transpose",
    "linearize",
    "local_device_count",
    "local_devices",
    "log_compiles",
    "make_jaxpr",
    "make_mesh",
    "make_mlir",
    "named_call",
    "named_scope",
    "nn",
    "numpy",
    "numpy_rank_promotion",
    "ops",
    "pmap",
    "process_count",
    "process_index",
    "pure_callback",
    "random",
    "remat",
    "shard_map",
    "sharding",
    "tree",
    "tree_util",
    "typeof",
    "value_and_grad",
    "vjp",
    "vmap",
]
