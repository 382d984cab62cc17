"""The main job at this stage: jit a few numpy-style functions and print.

Run with `make demo`. Each function is traced into the mlax dialect,
optimized, exported to StableHLO and compiled by PJRT; results are compared
with numpy.
"""

import mlax
import mlax.numpy as jnp
import numpy as np


def predict(w, b, x):
    return jnp.tanh(x @ w + b)


def loss(w, b, x, y):
    err = predict(w, b, x) - y
    return jnp.mean(err * err)


def softplus(x):
    return jnp.log(1.0 + jnp.exp(x))


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    w = rng.normal(size=(3, 2)).astype(np.float32)
    b = np.float32(0.5)
    y = rng.normal(size=(4, 2)).astype(np.float32)

    f = mlax.jit(lambda a, c: jnp.tanh(a @ c) + jnp.sum(a))
    out = f(x, w)
    print("tanh(a @ b) + sum(a) =")
    print(out)
    np.testing.assert_allclose(np.asarray(out), np.tanh(x @ w) + x.sum(), rtol=1e-5)

    print("predict =", mlax.jit(predict)(w, b, x))
    print("loss =", mlax.jit(loss)(w, b, x, y))
    print("softplus =", mlax.jit(softplus)(jnp.arange(4.0)))
    print("eager sin:", jnp.sin(jnp.array([0.0, 1.0, 2.0])))
    print("weak scalar:", repr(jnp.asarray(2.0) * 3))

    print("\nmlax IR of softplus (after canonicalize + cse):")
    print(mlax.make_mlir(softplus)(jnp.arange(4.0)))
    print("StableHLO sent to PJRT:")
    print(mlax.jit(softplus).lower(jnp.arange(4.0)).as_text("stablehlo"))


if __name__ == "__main__":
    main()
