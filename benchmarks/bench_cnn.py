"""Convolutional networks, mlax vs jax in one process, as ratios (the same
XLA convolution kernels underneath, so differences come from the IR):

- a LeNet-style CNN (2 conv + 2 max-pool + 2 dense, batch 64, 28x28x1)
  training step: jit(value_and_grad) and an adam update (stax/optimizers);
- a ResNet-style block (two 3x3 convs, 32 channels, 16x16, batch 16, skip
  connection) forward and backward: jit(grad).
Steady-state time per call, first-call time (trace + transform + compile),
and the size of the StableHLO each sends to XLA (op count).
"""

from __future__ import annotations

import jax
import jax.example_libraries.optimizers as jopt
import jax.example_libraries.stax as jstax
import jax.numpy as jref
import mlax
import mlax.example_libraries.optimizers as mopt
import mlax.example_libraries.stax as mstax
import mlax.numpy as jnp
import numpy as np
from _timing import compare_cases


def lenet(lib, stax, optimizers, random):
    init, predict = stax.serial(
        stax.Conv(8, (5, 5), padding="SAME"),
        stax.Relu,
        stax.MaxPool((2, 2), (2, 2)),
        stax.Conv(16, (5, 5), padding="SAME"),
        stax.Relu,
        stax.MaxPool((2, 2), (2, 2)),
        stax.Flatten,
        stax.Dense(128),
        stax.Relu,
        stax.Dense(10),
        stax.LogSoftmax,
    )
    _, params = init(random.key(0), (-1, 28, 28, 1))
    opt_init, opt_update, get_params = optimizers.adam(1e-3)

    def loss(p, x, y):
        return -lib.mean(lib.sum(predict(p, x) * y, axis=1))

    lib_grad = mlax.value_and_grad if lib is jnp else jax.value_and_grad
    leaves = mlax.tree_util.tree_leaves if lib is jnp else jax.tree_util.tree_leaves

    def step(state, x, y):
        value, grads = lib_grad(loss)(get_params(state), x, y)
        # The loss and the updated parameters (as a list: the optimizer
        # state's tree is each library's own).
        return value, leaves(get_params(opt_update(0, grads, state)))

    return step, opt_init(params)


def resblock(lib, lax):
    def f(w1, w2, x):
        dn = ("NHWC", "HWIO", "NHWC")
        h = lax.conv_general_dilated(x, w1, (1, 1), "SAME", dimension_numbers=dn)
        h = lib.maximum(h, 0.0)
        h = lax.conv_general_dilated(h, w2, (1, 1), "SAME", dimension_numbers=dn)
        return lib.sum(lib.maximum(h + x, 0.0) ** 2)

    return f


def main():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 28, 28, 1)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, size=64)]
    step_m, state_m = lenet(jnp, mstax, mopt, mlax.random)
    step_j, state_j = lenet(jref, jstax, jopt, jax.random)
    w1 = (rng.normal(size=(3, 3, 32, 32)) / 24).astype(np.float32)
    w2 = (rng.normal(size=(3, 3, 32, 32)) / 24).astype(np.float32)
    xr = rng.normal(size=(16, 16, 16, 32)).astype(np.float32)
    cases = [
        (
            "LeNet train step (adam) b=64",
            lambda: mlax.jit(lambda x, y: step_m(state_m, x, y)),
            lambda: jax.jit(lambda x, y: step_j(state_j, x, y)),
            (x, y),
        ),
        (
            "ResNet block fwd+bwd",
            lambda: mlax.jit(mlax.grad(resblock(jnp, mlax.lax), (0, 1, 2))),
            lambda: jax.jit(jax.grad(resblock(jref, jax.lax), (0, 1, 2))),
            (w1, w2, xr),
        ),
    ]
    compare_cases(cases, width=30)


if __name__ == "__main__":
    main()
