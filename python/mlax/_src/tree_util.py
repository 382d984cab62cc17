"""Pytrees: tuples, lists, dicts (sorted keys), namedtuples, None, and
registered classes. Leaves are everything else."""

from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable, NamedTuple

_registry: dict[type, tuple[Callable, Callable]] = {}


def register_pytree_node(cls: type, flatten: Callable, unflatten: Callable) -> None:
    """flatten(x) -> (children, aux); unflatten(aux, children) -> x."""
    _registry[cls] = (flatten, unflatten)


def register_pytree_node_class(cls: type) -> type:
    """Class decorator: `cls.tree_flatten()` -> (children, aux) and
    `cls.tree_unflatten(aux, children)` (JAX's protocol)."""
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def _dict_flatten(d):
    keys = sorted(d)
    return [d[k] for k in keys], tuple(keys)


register_pytree_node(tuple, lambda t: (list(t), None), lambda _, c: tuple(c))
register_pytree_node(list, lambda l: (list(l), None), lambda _, c: list(c))
register_pytree_node(dict, _dict_flatten, lambda keys, c: dict(zip(keys, c)))


class PyTreeDef(NamedTuple):
    """Structure of a pytree: node kind, aux data and child structures."""

    kind: Any  # a registered type, None for a leaf, "none" for None
    aux: Hashable
    children: tuple["PyTreeDef", ...]
    num_leaves: int

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        if self.kind == "none":
            return "None"
        inner = ", ".join(repr(c) for c in self.children)
        return f"PyTreeDef({getattr(self.kind, '__name__', self.kind)}[{inner}])"


_LEAF = PyTreeDef(None, None, (), 1)
_NONE = PyTreeDef("none", None, (), 0)


def _node_handlers(x: Any):
    t = type(x)
    h = _registry.get(t)
    if h is not None:
        return t, h
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # namedtuple
        return t, (lambda n: (list(n), None), lambda _, c, t=t: t(*c))
    return None, None


def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None):
    """Returns (leaves, treedef)."""
    leaves: list[Any] = []
    treedef = _flatten(tree, leaves, is_leaf)
    return leaves, treedef


def _flatten(x, leaves, is_leaf) -> PyTreeDef:
    if x is None:
        return _NONE
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return _LEAF
    kind, handlers = _node_handlers(x)
    if kind is None:
        leaves.append(x)
        return _LEAF
    children, aux = handlers[0](x)
    defs = tuple(_flatten(c, leaves, is_leaf) for c in children)
    return PyTreeDef(kind, aux, defs, sum(d.num_leaves for d in defs))


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> Any:
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(
            f"Too {'few' if len(leaves) < treedef.num_leaves else 'many'} leaves "
            f"for PyTreeDef; expected {treedef.num_leaves}, got {len(leaves)}."
        )
    return _unflatten(treedef, iter(leaves))


def _unflatten(td: PyTreeDef, it):
    if td.kind is None:
        return next(it)
    if td.kind == "none":
        return None
    children = [_unflatten(c, it) for c in td.children]
    h = _registry.get(td.kind)
    if h is None:  # namedtuple
        return td.kind(*children)
    return h[1](td.aux, children)


def tree_leaves(tree: Any, is_leaf=None) -> list[Any]:
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf=None) -> PyTreeDef:
    return tree_flatten(tree, is_leaf)[1]


def tree_map(f: Callable, tree: Any, *rest: Any, is_leaf=None) -> Any:
    leaves, td = tree_flatten(tree, is_leaf)
    others = [tree_flatten(r, is_leaf) for r in rest]
    for _, otd in others:
        if otd != td:
            raise ValueError(f"pytree structures differ: {td} vs {otd}")
    return tree_unflatten(td, [f(*xs) for xs in zip(leaves, *[o[0] for o in others])])
