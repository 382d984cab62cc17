"""mlax.tree / mlax.tree_util against jax.tree_util: structures, paths,
registrations, and pytrees through grad / jit / vmap."""

import collections
import dataclasses
import operator

import jax
import jax.tree_util as jtu
import mlax
import mlax.numpy as jnp
import mlax.tree_util as mtu
import numpy as np
import pytest

Point = collections.namedtuple("Point", "x y")

TREES = [
    1,
    None,
    (),
    [1, (2, None), {"b": 3, "a": 4}],
    Point(1, [2, 3]),
    collections.OrderedDict([("b", 1), ("a", (2, 3))]),
    collections.defaultdict(list, {"z": 1, "y": [2]}),
    {"k": Point(None, 5), "j": [collections.OrderedDict(q=6)]},
]


def _norm_path(path):
    """A key path as plain tuples, comparable across mlax and jax."""
    return tuple((type(k).__name__, str(k)) for k in path)


@pytest.mark.parametrize("tree", TREES, ids=range(len(TREES)))
def test_flatten_like_jax(tree):
    leaves, td = mtu.tree_flatten(tree)
    jleaves, jtd = jtu.tree_flatten(tree)
    assert leaves == jleaves
    assert td.num_leaves == jtd.num_leaves and td.num_nodes == jtd.num_nodes
    assert repr(td) == repr(jtd)
    assert type(mtu.tree_unflatten(td, leaves)) is type(tree)
    assert mtu.tree_unflatten(td, leaves) == tree
    pairs, td2 = mtu.tree_flatten_with_path(tree)
    jpairs, _ = jtu.tree_flatten_with_path(tree)
    assert td2 == td
    assert [(_norm_path(p), v) for p, v in pairs] == [(_norm_path(p), v) for p, v in jpairs]
    assert [mtu.keystr(p) for p, _ in pairs] == [jtu.keystr(p) for p, _ in jpairs]
    assert [mtu.keystr(p, simple=True, separator="/") for p, _ in pairs] == [
        jtu.keystr(p, simple=True, separator="/") for p, _ in jpairs
    ]
    assert mlax.tree.map(lambda v: v * 10, tree) == jax.tree.map(lambda v: v * 10, tree)
    assert mtu.treedef_is_leaf(td) == jtu.treedef_is_leaf(jtd)
    assert len(mtu.treedef_children(td)) == len(jtu.treedef_children(jtd))


def test_treedef_eq_hash_and_children():
    a = mtu.tree_structure({"a": (1, 2), "b": [3]})
    b = mtu.tree_structure({"a": (4, 5), "b": [6]})
    c = mtu.tree_structure({"a": (4, 5), "b": (6,)})
    assert a == b and hash(a) == hash(b) and a != c
    assert [repr(x) for x in a.children()] == ["PyTreeDef((*, *))", "PyTreeDef([*])"]
    t = mtu.treedef_tuple([a, c])
    assert t.num_leaves == 6 and repr(t) == repr(
        jtu.treedef_tuple(
            [
                jtu.tree_structure({"a": (1, 2), "b": [3]}),
                jtu.tree_structure({"a": (1, 2), "b": (3,)}),
            ]
        )
    )
    assert a.unflatten([7, 8, 9]) == {"a": (7, 8), "b": [9]}
    with pytest.raises(ValueError, match="Too few leaves"):
        a.unflatten([1])


def test_is_leaf_and_paths():
    tree = {"a": [1, None, (2, 3)], "b": None}
    f = lambda x: x is None or isinstance(x, tuple)  # noqa: E731
    assert mtu.tree_leaves(tree, is_leaf=f) == jtu.tree_leaves(tree, is_leaf=f)
    assert repr(mtu.tree_structure(tree, is_leaf=f)) == repr(jtu.tree_structure(tree, is_leaf=f))
    g = lambda p, x: len(p) == 2  # noqa: E731
    got = mlax.tree.leaves_with_path(tree, is_leaf=g, is_leaf_takes_path=True)
    want = jax.tree.leaves_with_path(tree, is_leaf=g, is_leaf_takes_path=True)
    assert [(_norm_path(p), v) for p, v in got] == [(_norm_path(p), v) for p, v in want]
    h = lambda p, x: f"{jtu.keystr(p)}={x}"  # noqa: E731
    assert mlax.tree.map_with_path(h, tree) == jax.tree.map_with_path(h, tree)


def test_map_with_prefix_trees_and_errors():
    tree = {"a": 1, "b": (2, 3)}
    other = {"a": [10, 20], "b": (30, 40)}
    got = mlax.tree.map(lambda x, y: (x, y), tree, other)
    assert got == jax.tree.map(lambda x, y: (x, y), tree, other)
    for bad in ({"a": 1, "c": (2, 3)}, {"a": 1, "b": (2, 3, 4)}, {"a": 1, "b": [2, 3]}, [1, 2]):
        with pytest.raises(ValueError):
            jax.tree.map(operator.add, tree, bad)
        with pytest.raises(ValueError):
            mlax.tree.map(operator.add, tree, bad)


def test_reduce_all_transpose_broadcast():
    tree = [1, (2, 3), {"a": 4}]
    assert mlax.tree.reduce(operator.add, tree) == 10
    assert mlax.tree.reduce(operator.add, tree, 5) == jax.tree.reduce(operator.add, tree, 5)
    assert mlax.tree.all([1, (True, 2)]) and not mlax.tree.all([1, (0, 2)])
    assert mtu.all_leaves([1, 2.0, "s"]) and not mtu.all_leaves([1, (2,)])
    outer = mtu.tree_structure([0, 0, 0])
    inner = mtu.tree_structure({"a": 0, "b": (0, 0)})
    x = [{"a": i, "b": (10 * i, 100 * i)} for i in range(3)]
    want = jax.tree.transpose(
        jtu.tree_structure([0, 0, 0]), jtu.tree_structure({"a": 0, "b": (0, 0)}), x
    )
    assert mlax.tree.transpose(outer, inner, x) == want
    assert mlax.tree.transpose(outer, None, x) == want
    with pytest.raises(TypeError):
        mlax.tree.transpose(outer, inner, x[:2] + [{"a": 1, "b": (2,)}])
    prefix, full = [1, {"a": 2}], [(5, 6), {"a": [7, 8]}]
    assert mlax.tree.broadcast(prefix, full) == jax.tree.broadcast(prefix, full)


@dataclasses.dataclass
class Params:
    w: object
    b: object
    name: str = dataclasses.field(default="p", metadata=dict(static=True))


mtu.register_dataclass(Params)


class Box:
    """A class registered with keys."""

    def __init__(self, v, tag):
        self.v, self.tag = v, tag


mtu.register_pytree_with_keys(
    Box,
    lambda b: ([(mtu.GetAttrKey("v"), b.v)], b.tag),
    lambda tag, c: Box(c[0], tag),
)


@mtu.register_static
class Static:
    def __init__(self, n):
        self.n = n

    def __hash__(self):
        return hash(self.n)

    def __eq__(self, other):
        return isinstance(other, Static) and other.n == self.n


def test_registrations():
    p = Params(np.float32(1.0), np.float32(2.0))
    leaves, td = mtu.tree_flatten(p)
    assert leaves == [1.0, 2.0] and td.aux == ("p",)
    q = td.unflatten([3, 4])
    assert isinstance(q, Params) and (q.w, q.b, q.name) == (3, 4, "p")
    paths = [mtu.keystr(k) for k, _ in mtu.tree_flatten_with_path(p)[0]]
    assert paths == [".w", ".b"]
    assert mtu.keystr(mtu.tree_flatten_with_path(Box(1, "t"))[0][0][0]) == ".v"
    assert mtu.tree_leaves([Static(3), 1]) == [1]
    assert mtu.tree_structure(Static(3)) == mtu.tree_structure(Static(3))
    assert mtu.tree_structure(Static(3)) != mtu.tree_structure(Static(4))
    with pytest.raises(ValueError, match="Duplicate"):
        mtu.register_static(Static)
    with pytest.raises(TypeError, match="not a dataclass"):
        mtu.register_dataclass(Box)

    @dataclasses.dataclass
    class Partly:
        a: object
        b: object

    with pytest.raises(ValueError, match="missing"):
        mtu.register_dataclass(Partly, data_fields=["a"], meta_fields=[])


def test_containers_through_grad_jit_vmap():
    od = collections.OrderedDict([("w", np.float32(2.0)), ("b", np.float32(-1.0))])
    dd = collections.defaultdict(float, {"w": np.float32(2.0), "b": np.float32(-1.0)})
    pt = Point(np.float32(2.0), np.float32(-1.0))

    def loss(p):
        return (
            jnp.tanh(p["w"] * 3.0 + p["b"])
            if not isinstance(p, Point)
            else jnp.tanh(p.x * 3.0 + p.y)
        )

    for tree in (od, dd, pt):
        g = mlax.grad(loss)(tree)
        gj = jax.grad(loss_jax)(tree)
        assert type(g) is type(tree)
        for a, b in zip(mtu.tree_leaves(g), jtu.tree_leaves(gj)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)
        j = mlax.jit(loss)(tree)
        np.testing.assert_allclose(np.asarray(j), np.asarray(loss_jax(tree)), rtol=1e-6)
    p = Params(np.ones((3,), np.float32), np.float32(0.5))
    g = mlax.grad(lambda p: jnp.sum(p.w * p.b))(p)
    assert isinstance(g, Params) and g.name == "p"
    np.testing.assert_allclose(np.asarray(g.w), np.full(3, 0.5))
    out = mlax.vmap(lambda d: d["w"] * d["b"])(
        collections.OrderedDict(w=np.arange(3.0, dtype=np.float32), b=np.ones(3, np.float32))
    )
    np.testing.assert_allclose(np.asarray(out), [0.0, 1.0, 2.0])


def loss_jax(p):
    import jax.numpy as jn

    if isinstance(p, Point):
        return jn.tanh(p.x * 3.0 + p.y)
    return jn.tanh(p["w"] * 3.0 + p["b"])


def test_partial_through_jit():
    def apply(fn, x):
        return fn(x)

    f = mtu.Partial(jnp.add, np.float32(2.0))
    assert mtu.tree_leaves(f) == [2.0]
    out = mlax.jit(apply)(f, np.float32(3.0))
    np.testing.assert_allclose(np.asarray(out), 5.0)
    nested = mtu.Partial(mtu.Partial(operator.add, 1), 2)
    assert nested() == 3 and mtu.tree_leaves(nested) == [2]
    assert repr(mtu.tree_structure(f)).startswith("PyTreeDef(CustomNode(Partial[")


def test_public_names_match_jax():
    for name in (
        "tree_map tree_leaves tree_structure tree_flatten tree_unflatten tree_reduce tree_all "
        "tree_transpose tree_map_with_path tree_flatten_with_path tree_leaves_with_path "
        "register_pytree_node register_pytree_node_class register_dataclass "
        "register_pytree_with_keys register_static keystr all_leaves treedef_children "
        "treedef_is_leaf treedef_tuple Partial DictKey GetAttrKey SequenceKey "
        "FlattenedIndexKey PyTreeDef tree_broadcast"
    ).split():
        assert hasattr(mtu, name), name
    for name in "map leaves structure flatten unflatten reduce all transpose broadcast".split():
        assert hasattr(mlax.tree, name), name
    for name in "map_with_path leaves_with_path flatten_with_path".split():
        assert hasattr(mlax.tree, name), name


def test_reduce_associative_one_level_with_keys_and_static():
    order = []

    def cat(a, b):
        order.append((a, b))
        return a + b

    tree = {"a": "w", "b": ["x", "y"], "c": ("z",)}
    assert mtu.tree_reduce_associative(cat, tree) == jtu.tree_reduce_associative(cat, tree)
    # Balanced pairing, as jax's: the same operand pairs in the same order.
    order.clear()
    mtu.tree_reduce_associative(cat, tree)
    mine = list(order)
    order.clear()
    jtu.tree_reduce_associative(cat, tree)
    assert mine == order
    assert mlax.tree.reduce_associative(operator.add, [], identity=0) == 0
    with pytest.raises(TypeError, match="identity"):
        mtu.tree_reduce_associative(operator.add, [])
    got, _ = mtu.flatten_one_level_with_keys(Point(1, 2))
    assert [str(k) for k, _ in got] == [".x", ".y"]  # (jax 0.10.2 prints .x twice)
    for t in [{"k": 1, "j": (2, 3)}, [4, None], (5,)]:
        got, aux_m = mtu.flatten_one_level_with_keys(t)
        want, _ = jtu.flatten_one_level_with_keys(t)
        assert [str(k) for k, _ in got] == [str(k) for k, _ in want]
        assert [c for _, c in got] == [c for _, c in want]
    with pytest.raises(ValueError):
        mtu.flatten_one_level_with_keys(jnp.ones(2))

    @mtu.register_dataclass
    @dataclasses.dataclass
    class Op:
        x: object
        kind: str = mlax.tree.static(default="add")

    leaves, td = mtu.tree_flatten(Op(jnp.ones(2)))
    assert len(leaves) == 1 and mtu.tree_unflatten(td, leaves).kind == "add"
