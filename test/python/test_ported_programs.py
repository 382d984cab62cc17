"""Programs from JAX's documentation, run twice: with jax's modules and with
mlax's (only the imports change); every value they compute must agree."""

import collections
import dataclasses
import functools

import jax
import jax.numpy
import jax.random
import jax.tree_util
import mlax
import mlax.numpy
import mlax.random
import mlax.tree_util
import numpy as np
import pytest

JAX = (jax, jax.numpy, jax.random, jax.tree_util)
MLAX = (mlax, mlax.numpy, mlax.random, mlax.tree_util)


def quickstart(jax, jnp, random, tree_util):
    """JAX's quickstart: jit, grad, jacobians, vmap, random."""
    out = {}

    def selu(x, alpha=1.67, lmbda=1.05):
        return lmbda * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)

    x = jnp.arange(5.0)
    out["selu"] = selu(x)
    key = random.key(1701)
    x = random.normal(key, (1_000,))
    out["selu_jit"] = jax.jit(selu)(x).block_until_ready()

    def sum_logistic(x):
        return jnp.sum(1.0 / (1.0 + jnp.exp(-x)))

    x_small = jnp.arange(3.0)
    out["grad"] = jax.grad(sum_logistic)(x_small)

    def first_finite_differences(f, x, eps=1e-3):
        return jnp.array([(f(x + eps * v) - f(x - eps * v)) / (2 * eps) for v in jnp.eye(len(x))])

    out["fd"] = first_finite_differences(sum_logistic, x_small)
    out["hess"] = jax.jacfwd(jax.jacrev(sum_logistic))(x_small)
    key1, key2 = random.split(key)
    mat = random.normal(key1, (15, 10))
    batched_x = random.normal(key2, (4, 10))

    def apply_matrix(x):
        return jnp.dot(mat, x)

    out["vmap"] = jax.jit(jax.vmap(apply_matrix))(batched_x)
    return out


def mlp_training(jax, jnp, random, tree_util):
    """JAX's "training a simple neural network" (with a hand-written
    logsumexp), on random data: init, vmap predict, jit update with
    tree.map, accuracy."""

    def random_layer_params(m, n, key, scale=1e-1):
        w_key, b_key = random.split(key)
        return scale * random.normal(w_key, (n, m)), scale * random.normal(b_key, (n,))

    def init_network_params(sizes, key):
        keys = random.split(key, len(sizes))
        return [random_layer_params(m, n, k) for m, n, k in zip(sizes[:-1], sizes[1:], keys)]

    params = init_network_params([8, 16, 16, 3], random.key(0))

    def relu(x):
        return jnp.maximum(0, x)

    def logsumexp(x):
        m = jnp.max(x)
        return m + jnp.log(jnp.sum(jnp.exp(x - m)))

    def predict(params, image):
        activations = image
        for w, b in params[:-1]:
            activations = relu(jnp.dot(w, activations) + b)
        final_w, final_b = params[-1]
        logits = jnp.dot(final_w, activations) + final_b
        return logits - logsumexp(logits)

    batched_predict = jax.vmap(predict, in_axes=(None, 0))

    def one_hot(x, k, dtype=jnp.float32):
        return jnp.array(x[:, None] == jnp.arange(k), dtype)

    def accuracy(params, images, targets):
        target_class = jnp.argmax(targets, axis=1)
        predicted_class = jnp.argmax(batched_predict(params, images), axis=1)
        return jnp.mean(predicted_class == target_class)

    def loss(params, images, targets):
        preds = batched_predict(params, images)
        return -jnp.mean(preds * targets)

    @jax.jit
    def update(params, x, y):
        grads = jax.grad(loss)(params, x, y)
        return jax.tree.map(lambda p, g: p - 0.5 * g, params, grads)

    kx, ky = random.split(random.key(1))
    images = random.normal(kx, (32, 8))
    labels = one_hot(random.randint(ky, (32,), 0, 3), 3)
    losses = []
    for _ in range(5):
        params = update(params, images, labels)
        losses.append(loss(params, images, labels))
    return {
        "losses": jnp.stack(losses),
        "acc": accuracy(params, images, labels),
        "leaves": jax.tree.leaves(params),
        "shapes": [tuple(x.shape) for x in jax.tree.leaves(params)],
    }


def pytrees(jax, jnp, random, tree_util):
    """JAX's pytree tutorial: tree.map over containers, key paths,
    dataclasses, namedtuples, tree.transpose."""
    Point = collections.namedtuple("Point", "x y")
    tree = {"a": [1.0, (2.0, 3.0)], "b": Point(4.0, jnp.ones(2)), "c": None}
    out = {"mapped": jax.tree.map(lambda x: x * 2, tree)}
    out["paths"] = [(tree_util.keystr(p), v) for p, v in tree_util.tree_flatten_with_path(tree)[0]]

    @functools.partial(tree_util.register_dataclass, data_fields=["w", "b"], meta_fields=["name"])
    @dataclasses.dataclass
    class Linear:
        w: object
        b: object
        name: str

    def apply(layer, x):
        return jnp.tanh(layer.w @ x + layer.b)

    layer = Linear(jnp.ones((2, 3)) * 0.1, jnp.zeros(2), "l1")
    g = jax.grad(lambda layer, x: apply(layer, x).sum())(layer, jnp.arange(3.0))
    out["dc_grad"] = (g.w, g.b, g.name)
    out["transpose"] = jax.tree.transpose(
        jax.tree.structure([0, 0]), jax.tree.structure((0, 0)), [(1, 2), (3, 4)]
    )
    return out


def shapes_and_callbacks(jax, jnp, random, tree_util):
    """eval_shape, ShapeDtypeStruct, pure_callback under jit and vmap."""
    f = lambda x, y: {"p": x @ y, "s": jnp.sum(x)}  # noqa: E731
    spec = jax.eval_shape(f, jax.ShapeDtypeStruct((2, 3), jnp.float32), jnp.ones((3, 5)))
    out = {"spec": jax.tree.map(lambda s: (s.shape, str(s.dtype)), spec)}

    def host_sin(x):
        return np.sin(x)

    def g(x):
        return jax.pure_callback(
            host_sin, jax.ShapeDtypeStruct(x.shape, x.dtype), x, vmap_method="sequential"
        )

    out["cb"] = jax.jit(jax.vmap(g))(jnp.arange(6.0).reshape(2, 3))
    return out


def _compare(a, b, path="out"):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _compare(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _compare(x, y, f"{path}[{i}]")
    elif isinstance(a, (str, type(None))):
        assert a == b, path
    else:
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-5, atol=1e-6, err_msg=path)


@pytest.mark.parametrize("program", [quickstart, mlp_training, pytrees, shapes_and_callbacks])
def test_program_runs_with_swapped_imports(program):
    _compare(program(*MLAX), program(*JAX))
