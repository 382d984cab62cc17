"""mlax.tree_util: pytree utilities (JAX's names)."""

from mlax._src.tree_util import (  # noqa: F401
    PyTreeDef,
    register_pytree_node,
    register_pytree_node_class,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_structure,
    tree_unflatten,
)
