"""Pytrees, with JAX's containers, key paths and registration functions.

Containers: tuple, list, dict (sorted keys), None (no children),
namedtuple, OrderedDict (insertion order), defaultdict (sorted keys), and
registered classes. Everything else is a leaf. mlax keeps its own registry:
registering a class with jax does not make it an mlax pytree.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
from typing import Any, Callable, Hashable, Iterable, NamedTuple, Sequence

# --- key path entries (JAX's classes) ---------------------------------------


class SequenceKey(NamedTuple):
    """The index of a tuple or list child."""

    idx: int

    def __str__(self) -> str:
        return f"[{self.idx!r}]"


class DictKey(NamedTuple):
    """The key of a dict child."""

    key: Hashable

    def __str__(self) -> str:
        return f"[{self.key!r}]"


class GetAttrKey(NamedTuple):
    """The attribute name of a namedtuple or dataclass child."""

    name: str

    def __str__(self) -> str:
        return f".{self.name}"


class FlattenedIndexKey(NamedTuple):
    """The position of a child of a node registered without keys."""

    key: int

    def __str__(self) -> str:
        return f"[<flat index {self.key}>]"


KeyEntry = Any
KeyPath = tuple


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
    """A key path as text: `['a'][1].x`, or with simple=True `a/1/x`-style
    entries joined by `separator`."""
    if not simple:
        return separator.join(str(k) for k in keys)

    def one(k):
        if isinstance(k, SequenceKey):
            return str(k.idx)
        if isinstance(k, DictKey):
            return str(k.key)
        if isinstance(k, GetAttrKey):
            return k.name
        if isinstance(k, FlattenedIndexKey):
            return str(k.key)
        return str(k)

    return separator.join(one(k) for k in keys)


# --- the registry ------------------------------------------------------------


class _Node(NamedTuple):
    flatten: Callable  # x -> (children, aux)
    unflatten: Callable  # (aux, children) -> x
    flatten_with_keys: Callable | None  # x -> ([(key, child)], aux)


_registry: dict[type, _Node] = {}
# Called with (type, flatten, unflatten) for every registration: the C++
# dispatch registry mirrors mlax's (see add_registration_hook).
_registration_hooks: list[Callable] = []


def add_registration_hook(hook: Callable) -> None:
    """Calls hook(type, flatten, unflatten) for every registered node type
    but the built-in containers, now and on later registrations."""
    _registration_hooks.append(hook)
    for t, node in _registry.items():
        if t not in (tuple, list, dict):
            hook(t, node.flatten, node.unflatten)


def register_pytree_node(
    nodetype: type,
    flatten_func: Callable,
    unflatten_func: Callable,
    flatten_with_keys_func: Callable | None = None,
) -> None:
    """flatten_func(x) -> (children, aux); unflatten_func(aux, children) -> x."""
    if nodetype in _registry:
        raise ValueError(f"Duplicate custom PyTreeDef type registration for {nodetype}.")
    _registry[nodetype] = _Node(flatten_func, unflatten_func, flatten_with_keys_func)
    for hook in _registration_hooks:
        hook(nodetype, flatten_func, unflatten_func)


def register_pytree_with_keys(
    nodetype: type,
    flatten_with_keys: Callable,
    unflatten_func: Callable,
    flatten_func: Callable | None = None,
) -> None:
    """flatten_with_keys(x) -> ([(key, child), ...], aux)."""
    if flatten_func is None:

        def flatten_func(x):
            pairs, aux = flatten_with_keys(x)
            return [c for _, c in pairs], aux

    register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)


def register_pytree_node_class(cls: type) -> type:
    """Class decorator: `cls.tree_flatten()` -> (children, aux) and
    `cls.tree_unflatten(aux, children)` (JAX's protocol)."""
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def register_pytree_with_keys_class(cls: type) -> type:
    """Class decorator: `tree_flatten_with_keys()` and `tree_unflatten`."""
    flatten = getattr(cls, "tree_flatten", None)
    register_pytree_with_keys(
        cls,
        lambda x: x.tree_flatten_with_keys(),
        cls.tree_unflatten,
        (lambda x: x.tree_flatten()) if flatten is not None else None,
    )
    return cls


def register_static(cls: type) -> type:
    """Instances of `cls` become pytrees with no leaves (their value is the
    node's aux data, so it must be hashable)."""
    register_pytree_node(cls, lambda x: ((), x), lambda x, _: x)
    return cls


def register_dataclass(
    nodetype: type,
    data_fields: Sequence[str] | None = None,
    meta_fields: Sequence[str] | None = None,
    drop_fields: Sequence[str] = (),
) -> type:
    """A dataclass as a pytree: `data_fields` are children, `meta_fields`
    aux data. With neither given, fields marked
    `dataclasses.field(metadata=dict(static=True))` are meta, the rest data."""
    if data_fields is None and meta_fields is None:
        if not dataclasses.is_dataclass(nodetype):
            raise TypeError(
                "register_dataclass: data_fields and meta_fields are required "
                f"when {nodetype.__name__} is not a dataclass"
            )
        data_fields, meta_fields = [], []
        for f in dataclasses.fields(nodetype):
            if not f.init or f.name in drop_fields:
                continue
            (meta_fields if f.metadata.get("static", False) else data_fields).append(f.name)
    elif data_fields is None or meta_fields is None:
        raise TypeError("register_dataclass: give both data_fields and meta_fields, or neither")
    data_fields, meta_fields = tuple(data_fields), tuple(meta_fields)
    if dataclasses.is_dataclass(nodetype):
        init = {f.name for f in dataclasses.fields(nodetype) if f.init}
        missing = init - set(data_fields) - set(meta_fields) - set(drop_fields)
        if missing:
            raise ValueError(
                f"data_fields and meta_fields must include all dataclass fields with "
                f"init=True; missing: {sorted(missing)}"
            )

    def flatten_with_keys(x):
        return (
            [(GetAttrKey(n), getattr(x, n)) for n in data_fields],
            tuple(getattr(x, n) for n in meta_fields),
        )

    def flatten(x):
        return [getattr(x, n) for n in data_fields], tuple(getattr(x, n) for n in meta_fields)

    def unflatten(meta, data):
        return nodetype(**dict(zip(data_fields, data)), **dict(zip(meta_fields, meta)))

    register_pytree_node(nodetype, flatten, unflatten, flatten_with_keys)
    return nodetype


def _dict_flatten(d):
    keys = sorted(d)
    return [d[k] for k in keys], tuple(keys)


register_pytree_node(
    tuple,
    lambda t: (t, None),
    lambda _, c: tuple(c),
    lambda t: ([(SequenceKey(i), c) for i, c in enumerate(t)], None),
)
register_pytree_node(
    list,
    lambda t: (t, None),
    lambda _, c: list(c),
    lambda t: ([(SequenceKey(i), c) for i, c in enumerate(t)], None),
)
register_pytree_node(
    dict,
    _dict_flatten,
    lambda keys, c: dict(zip(keys, c)),
    lambda d: ([(DictKey(k), d[k]) for k in sorted(d)], tuple(sorted(d))),
)
register_pytree_node(
    collections.OrderedDict,
    lambda d: (list(d.values()), tuple(d)),
    lambda keys, c: collections.OrderedDict(zip(keys, c)),
    lambda d: ([(DictKey(k), v) for k, v in d.items()], tuple(d)),
)
register_pytree_node(
    collections.defaultdict,
    lambda d: ([d[k] for k in sorted(d)], (d.default_factory, tuple(sorted(d)))),
    lambda aux, c: collections.defaultdict(aux[0], zip(aux[1], c)),
    lambda d: ([(DictKey(k), d[k]) for k in sorted(d)], (d.default_factory, tuple(sorted(d)))),
)


class _NamedTupleNode:
    """Stands for every namedtuple class in PyTreeDef.kind lookups."""


def _namedtuple_node(t: type) -> _Node:
    return _Node(
        lambda n: (n, None),
        lambda _, c: t(*c),
        lambda n: ([(GetAttrKey(f), v) for f, v in zip(n._fields, n)], None),
    )


def _node_of(x: Any) -> tuple[type | None, _Node | None]:
    t = type(x)
    node = _registry.get(t)
    if node is not None:
        return t, node
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return t, _namedtuple_node(t)
    return None, None


def _node_of_type(t: type) -> _Node:
    node = _registry.get(t)
    if node is None:  # a namedtuple class
        node = _namedtuple_node(t)
    return node


# --- PyTreeDef ---------------------------------------------------------------


class PyTreeDef:
    """The structure of a pytree: node type, aux data and child structures.
    `kind` is the node's type, None for a leaf, and the string "none" for
    None. Hashable and comparable (jit caches on it)."""

    __slots__ = ("kind", "aux", "_children", "num_leaves", "num_nodes", "_hash")

    def __init__(self, kind: Any, aux: Hashable, children: tuple, num_leaves: int):
        self.kind = kind
        self.aux = aux
        self._children = children
        self.num_leaves = num_leaves
        self.num_nodes = 1 + sum(c.num_nodes for c in children)
        self._hash = None

    def children(self) -> list[PyTreeDef]:
        """The structures of the node's children."""
        return list(self._children)

    @property
    def node_data(self):
        """(node type, aux data), None for a leaf."""
        if self.kind is None:
            return None
        return (type(None) if self.kind == "none" else self.kind), self.aux

    def unflatten(self, leaves: Iterable[Any]) -> Any:
        return tree_unflatten(self, leaves)

    def flatten_up_to(self, tree: Any) -> list[Any]:
        """The subtrees of `tree` at this structure's leaves (this structure
        must be a prefix of the tree's); ValueError naming the mismatch."""
        out: list[Any] = []
        _flatten_up_to(self, tree, out, ())
        return out

    def __eq__(self, other: Any) -> bool:
        if self is other:
            return True
        if not isinstance(other, PyTreeDef):
            return NotImplemented
        return (
            self.kind == other.kind
            and self.num_leaves == other.num_leaves
            and self.aux == other.aux
            and self._children == other._children
        )

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = self._hash = hash((self.kind, self.aux, self._children))
        return h

    def _str(self) -> str:
        if self.kind is None:
            return "*"
        if self.kind == "none":
            return "None"
        kids = [c._str() for c in self._children]
        if self.kind is tuple:
            return "(" + ", ".join(kids) + ("," if len(kids) == 1 else "") + ")"
        if self.kind is list:
            return "[" + ", ".join(kids) + "]"
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.aux, kids)) + "}"
        if (
            isinstance(self.kind, type)
            and issubclass(self.kind, tuple)
            and self.kind not in _registry
        ):
            return f"CustomNode(namedtuple[{self.kind.__name__}], [{', '.join(kids)}])"
        return f"CustomNode({self.kind.__name__}[{self.aux}], [{', '.join(kids)}])"

    def __repr__(self) -> str:
        return f"PyTreeDef({self._str()})"


_LEAF = PyTreeDef(None, None, (), 1)
_NONE = PyTreeDef("none", None, (), 0)


def _node_name(td: PyTreeDef) -> str:
    return getattr(td.kind, "__name__", str(td.kind))


def _flatten_up_to(td: PyTreeDef, x: Any, out: list, path: tuple) -> None:
    if td.kind is None:
        out.append(x)
        return
    where = keystr(path) or "the root"
    if td.kind == "none":
        if x is not None:
            raise ValueError(f"Expected None at {where}, got {type(x).__name__}: {x!r}.")
        return
    kind, node = _node_of(x)
    if kind is not td.kind:
        raise ValueError(
            f"Custom node type mismatch at {where}; expected type: {_node_name(td)}, value: {x!r}."
        )
    children, aux = node.flatten(x)
    children = list(children)
    if len(children) != len(td._children):
        raise ValueError(
            f"{_node_name(td).capitalize()} arity mismatch at {where}: "
            f"{len(children)} != {len(td._children)}; {_node_name(td)}: {x!r}."
        )
    if aux != td.aux:
        raise ValueError(
            f"Mismatch custom node data at {where}: {aux!r} != {td.aux!r}; value: {x!r}."
        )
    for i, (c, ctd) in enumerate(zip(children, td._children)):
        _flatten_up_to(ctd, c, out, path + (_child_key(td, i),))


def _child_key(td: PyTreeDef, i: int):
    if td.kind in (tuple, list):
        return SequenceKey(i)
    if td.kind in (dict, collections.OrderedDict):
        return DictKey(td.aux[i])
    if td.kind is collections.defaultdict:
        return DictKey(td.aux[1][i])
    if hasattr(td.kind, "_fields") and td.kind not in _registry:
        return GetAttrKey(td.kind._fields[i])
    return FlattenedIndexKey(i)


# --- flatten / unflatten -------------------------------------------------------


def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None):
    """(leaves, treedef). `is_leaf(x)` True makes x a leaf (it is asked
    before x's container type, None included)."""
    leaves: list[Any] = []
    treedef = _flatten(tree, leaves, is_leaf)
    return leaves, treedef


def _flatten(x, leaves, is_leaf) -> PyTreeDef:
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return _LEAF
    if x is None:
        return _NONE
    kind, node = _node_of(x)
    if kind is None:
        leaves.append(x)
        return _LEAF
    children, aux = node.flatten(x)
    defs = tuple(_flatten(c, leaves, is_leaf) for c in children)
    return PyTreeDef(kind, aux, defs, sum(d.num_leaves for d in defs))


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> Any:
    """The pytree of structure `treedef` with these leaves."""
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
    children = [_unflatten(c, it) for c in td._children]
    return _node_of_type(td.kind).unflatten(td.aux, children)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list[Any]:
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
    return tree_flatten(tree, is_leaf)[1]


def tree_flatten_with_path(
    tree: Any, is_leaf: Callable[..., bool] | None = None, is_leaf_takes_path: bool = False
) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
    """([(key path, leaf)], treedef); key paths are tuples of SequenceKey,
    DictKey, GetAttrKey or FlattenedIndexKey."""
    pairs: list[tuple[KeyPath, Any]] = []
    td = _flatten_with_path(tree, (), pairs, is_leaf, is_leaf_takes_path)
    return pairs, td


def _flatten_with_path(x, path, out, is_leaf, takes_path) -> PyTreeDef:
    if is_leaf is not None and (is_leaf(path, x) if takes_path else is_leaf(x)):
        out.append((path, x))
        return _LEAF
    if x is None:
        return _NONE
    kind, node = _node_of(x)
    if kind is None:
        out.append((path, x))
        return _LEAF
    if node.flatten_with_keys is not None:
        pairs, aux = node.flatten_with_keys(x)
    else:
        children, aux = node.flatten(x)
        pairs = [(FlattenedIndexKey(i), c) for i, c in enumerate(children)]
    defs = tuple(_flatten_with_path(c, path + (k,), out, is_leaf, takes_path) for k, c in pairs)
    return PyTreeDef(kind, aux, defs, sum(d.num_leaves for d in defs))


def tree_leaves_with_path(
    tree: Any, is_leaf: Callable[..., bool] | None = None, is_leaf_takes_path: bool = False
) -> list[tuple[KeyPath, Any]]:
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


# --- maps and reductions -------------------------------------------------------


def tree_map(
    f: Callable[..., Any], tree: Any, *rest: Any, is_leaf: Callable[[Any], bool] | None = None
) -> Any:
    """f applied leafwise; each tree in `rest` has `tree`'s structure or has
    it as a prefix (f then gets the subtrees at tree's leaves)."""
    leaves, td = tree_flatten(tree, is_leaf)
    if not rest:
        return tree_unflatten(td, [f(x) for x in leaves])
    others = [td.flatten_up_to(r) for r in rest]
    return tree_unflatten(td, [f(*xs) for xs in zip(leaves, *others)])


def tree_map_with_path(
    f: Callable[..., Any],
    tree: Any,
    *rest: Any,
    is_leaf: Callable[..., bool] | None = None,
    is_leaf_takes_path: bool = False,
) -> Any:
    """tree_map where f also gets each leaf's key path first."""
    pairs, td = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    others = [td.flatten_up_to(r) for r in rest]
    return tree_unflatten(td, [f(p, x, *xs) for (p, x), *xs in zip(pairs, *others)])


class _Unspecified:
    def __repr__(self) -> str:
        return "<unspecified>"


_UNSPECIFIED = _Unspecified()


def tree_reduce(
    function: Callable[[Any, Any], Any],
    tree: Any,
    initializer: Any = _UNSPECIFIED,
    is_leaf: Callable[[Any], bool] | None = None,
) -> Any:
    """functools.reduce over the leaves."""
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _UNSPECIFIED:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_all(tree: Any, *, is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every leaf is truthy."""
    return all(tree_leaves(tree, is_leaf))


def all_leaves(iterable: Iterable[Any], is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every element of `iterable` is a leaf."""
    if is_leaf is None:
        return all(tree_structure(x) == _LEAF for x in iterable)
    return all(tree_structure(x, is_leaf) == _LEAF for x in iterable)


def tree_transpose(
    outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None, pytree_to_transpose: Any
) -> Any:
    """An outer tree of inner trees -> an inner tree of outer trees."""
    flat = tree_leaves(pytree_to_transpose)
    if inner_treedef is None:
        inner_treedef = tree_structure(outer_treedef.flatten_up_to(pytree_to_transpose)[0])
    n_inner, n_outer = inner_treedef.num_leaves, outer_treedef.num_leaves
    if len(flat) != n_inner * n_outer:
        raise TypeError(
            f"Mismatch\n{treedef_tuple([outer_treedef, inner_treedef])}\n != \n"
            f"{tree_structure(pytree_to_transpose)}"
        )
    inner_lists = [
        inner_treedef.flatten_up_to(t) for t in outer_treedef.flatten_up_to(pytree_to_transpose)
    ]
    columns = [tree_unflatten(outer_treedef, col) for col in zip(*inner_lists)]
    return tree_unflatten(inner_treedef, columns)


def tree_broadcast(
    prefix_tree: Any, full_tree: Any, is_leaf: Callable[[Any], bool] | None = None
) -> Any:
    """`prefix_tree` with each leaf repeated over the matching subtree of
    `full_tree`."""
    prefix_leaves, prefix_td = tree_flatten(prefix_tree, is_leaf)
    subtrees = prefix_td.flatten_up_to(full_tree)
    return tree_unflatten(
        prefix_td,
        [tree_map(lambda _, v=v: v, s, is_leaf=is_leaf) for v, s in zip(prefix_leaves, subtrees)],
    )


# --- treedef helpers ---------------------------------------------------------


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    return treedef.children()


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    return treedef.num_nodes == 1


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
    """The structure of a tuple of trees of these structures."""
    defs = tuple(treedefs)
    return PyTreeDef(tuple, None, defs, sum(d.num_leaves for d in defs))


def is_tree_node(x: Any) -> bool:
    """Whether x is a container (None included), not a leaf."""
    return x is None or _node_of(x)[0] is not None


def flatten_one_level(tree: Any) -> tuple[list[Any], Hashable]:
    """(children, aux) of a container; ValueError for a leaf."""
    if tree is None:
        return [], None
    kind, node = _node_of(tree)
    if kind is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    children, aux = node.flatten(tree)
    return list(children), aux


def flatten_one_level_with_keys(tree: Any) -> tuple[list[tuple[Any, Any]], Hashable]:
    """([(key, child)], aux) of a container; ValueError for a leaf."""
    if tree is None:
        return [], None
    kind, node = _node_of(tree)
    if kind is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    if node.flatten_with_keys is not None:
        pairs, aux = node.flatten_with_keys(tree)
        return list(pairs), aux
    children, aux = node.flatten(tree)
    return [(FlattenedIndexKey(i), c) for i, c in enumerate(children)], aux


def tree_reduce_associative(
    operation: Callable[[Any, Any], Any],
    tree: Any,
    *,
    identity: Any = _UNSPECIFIED,
    is_leaf: Callable[[Any], bool] | None = None,
) -> Any:
    """The leaves combined pairwise as a balanced tree (`operation` must be
    associative): depth log2(n) instead of tree_reduce's n, as JAX's."""
    leaves = tree_leaves(tree, is_leaf)
    if not leaves:
        if identity is _UNSPECIFIED:
            raise TypeError("Must specify identity for parallel reduction of empty sequence.")
        return identity

    def rec(lo: int, hi: int):
        if hi - lo == 1:
            return leaves[lo]
        mid = lo + (hi - lo) // 2
        return operation(rec(lo, mid), rec(mid, hi))

    return rec(0, len(leaves))


def static(**kwargs: Any):
    """A dataclasses.field marked static (aux data for register_dataclass)."""
    import dataclasses

    metadata = {"static": True, **(kwargs.pop("metadata", None) or {})}
    return dataclasses.field(metadata=metadata, **kwargs)


# --- Partial -------------------------------------------------------------------


class _CallableShim:
    """A partial as the function of a Partial (hashable by identity)."""

    def __init__(self, fun: Callable):
        self.fun = fun

    def __call__(self, *args, **kw):
        return self.fun(*args, **kw)


class Partial(functools.partial):
    """functools.partial as a pytree: the bound arguments are children, the
    function is aux data, so a Partial can be passed into and out of jit."""

    def __new__(klass, func, *args, **kw):
        # functools.partial would merge Partial(Partial(f, a), b) into one
        # node and lose the inner node's leaves: keep it as the function.
        if isinstance(func, functools.partial):
            func = _CallableShim(func)
        return super().__new__(klass, func, *args, **kw)


register_pytree_node(
    Partial,
    lambda p: ((p.args, p.keywords), p.func),
    lambda func, xs: Partial(func, *xs[0], **xs[1]),
)
