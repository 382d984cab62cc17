"""A CNN classifier written with JAX's example libraries (stax + optimizers,
as JAX's mnist_classifier example) trains with mlax after swapping the
imports, and reaches the parameters jax reaches (conv, max-pool, dense,
log-softmax; jit(value_and_grad) + adam)."""

import jax
import jax.example_libraries.optimizers
import jax.example_libraries.stax
import jax.numpy
import jax.random
import mlax
import mlax.example_libraries.optimizers
import mlax.example_libraries.stax
import mlax.numpy
import mlax.random
import numpy as np


def train(jax, jnp, random, stax, optimizers, images, labels, steps=3):
    init_random_params, predict = stax.serial(
        stax.Conv(4, (3, 3), padding="SAME"),
        stax.Relu,
        stax.MaxPool((2, 2), strides=(2, 2)),
        stax.Conv(6, (3, 3), strides=(1, 1)),
        stax.Relu,
        stax.AvgPool((2, 2)),
        stax.Flatten,
        stax.Dense(16),
        stax.Tanh,
        stax.Dense(10),
        stax.LogSoftmax,
    )

    def loss(params, batch):
        inputs, targets = batch
        preds = predict(params, inputs)
        return -jnp.mean(jnp.sum(preds * targets, axis=1))

    opt_init, opt_update, get_params = optimizers.adam(1e-2)

    @jax.jit
    def update(i, opt_state, batch):
        value, grads = jax.value_and_grad(loss)(get_params(opt_state), batch)
        return value, opt_update(i, grads, opt_state)

    _, params = init_random_params(random.key(0), (-1, 12, 12, 1))
    opt_state = opt_init(params)
    losses = []
    for i in range(steps):
        value, opt_state = update(i, opt_state, (images, labels))
        losses.append(float(value))
    return losses, jax.tree_util.tree_leaves(get_params(opt_state))


def test_cnn_trains_like_jax():
    rng = np.random.default_rng(0)
    images = rng.normal(size=(8, 12, 12, 1)).astype(np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, size=8)]
    lm, pm = train(
        mlax,
        mlax.numpy,
        mlax.random,
        mlax.example_libraries.stax,
        mlax.example_libraries.optimizers,
        images,
        labels,
    )
    lj, pj = train(
        jax,
        jax.numpy,
        jax.random,
        jax.example_libraries.stax,
        jax.example_libraries.optimizers,
        images,
        labels,
    )
    np.testing.assert_allclose(lm, lj, rtol=1e-4)
    assert lm[-1] < lm[0]
    assert len(pm) == len(pj)
    for a, b in zip(pm, pj):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-3, atol=1e-5)
