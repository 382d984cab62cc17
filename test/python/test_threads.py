"""Thread safety: tracing, compiling and running from several Python threads
at once, as jax allows. Each thread checks its own results against numpy."""

import threading

import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import lax

N_THREADS = 8
ITERATIONS = 6


def _workload(tid: int, it: int) -> None:
    """Mixed jit / grad / vmap / eager / control flow / custom rules, with
    fresh jit objects (so threads trace and compile concurrently)."""
    x = np.linspace(-1.0, 1.0, 3 + tid % 3, dtype=np.float32) * (1 + it)
    np.testing.assert_allclose(np.asarray(jnp.sin(x)), np.sin(x), rtol=1e-6, atol=1e-6)
    f = mlax.jit(lambda v: jnp.tanh(v) * (tid + 1))
    np.testing.assert_allclose(np.asarray(f(x)), np.tanh(x) * (tid + 1), rtol=1e-5, atol=1e-6)
    g = mlax.grad(lambda v: jnp.sum(jnp.sin(v) * v))(x)
    np.testing.assert_allclose(np.asarray(g), np.cos(x) * x + np.sin(x), rtol=1e-5, atol=1e-5)
    m = mlax.vmap(lambda v: jnp.dot(v, v))(np.stack([x, 2 * x]))
    np.testing.assert_allclose(np.asarray(m), [x @ x, 4 * (x @ x)], rtol=1e-5)
    w = mlax.jit(lambda n: lax.fori_loop(0, n, lambda i, c: c + i, 0), static_argnums=0)(tid + it)
    assert int(w) == sum(range(tid + it))
    y = lax.cond(tid % 2 == 0, lambda a: a + 1.0, lambda a: a - 1.0, x)
    np.testing.assert_allclose(np.asarray(y), x + (1.0 if tid % 2 == 0 else -1.0))

    @mlax.custom_jvp
    def h(a):
        return jnp.sin(a)

    @h.defjvp
    def h_jvp(primals, tangents):
        (a,), (t,) = primals, tangents
        return jnp.sin(a), 2.0 * t  # deliberately not cos: the rule must be used

    np.testing.assert_allclose(
        np.asarray(mlax.grad(lambda a: jnp.sum(h(a)))(x)), np.full_like(x, 2.0)
    )

    # A jit being traced in this thread while others run eager ops.
    def traced(v):
        z = jnp.cos(v)
        return z * jnp.sum(jnp.ones(3))  # eager-looking op inside the trace

    np.testing.assert_allclose(np.asarray(mlax.jit(traced)(x)), np.cos(x) * 3, rtol=1e-6)


def _run_threads(target, n=N_THREADS):
    errors = []
    barrier = threading.Barrier(n)

    def run(tid):
        try:
            barrier.wait()
            target(tid)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append((tid, e))

    threads = [threading.Thread(target=run, args=(t,)) for t in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        tid, e = errors[0]
        raise AssertionError(f"thread {tid} failed ({len(errors)} failures)") from e


def test_mixed_workload_in_threads():
    _run_threads(lambda tid: [_workload(tid, it) for it in range(ITERATIONS)])


def test_eager_op_while_other_thread_traces():
    """Thread A is inside a jit trace when thread B runs an eager op: B gets a
    concrete Array, and A's program does not contain B's op."""
    inside = threading.Event()
    done = threading.Event()
    result = {}

    def fa(v):
        inside.set()
        assert done.wait(30)
        return v + 1

    def a():
        result["a"] = mlax.jit(fa)(np.float32(1.0))

    def b():
        assert inside.wait(30)
        try:
            result["b"] = jnp.sin(jnp.ones(3))
        finally:
            done.set()

    ta, tb = threading.Thread(target=a), threading.Thread(target=b)
    ta.start()
    tb.start()
    ta.join(60)
    tb.join(60)
    assert isinstance(result["b"], mlax.Array)
    np.testing.assert_allclose(np.asarray(result["b"]), np.sin(np.ones(3)), rtol=1e-6)
    assert float(result["a"]) == 2.0


def test_same_program_compiled_by_many_threads():
    """Threads compiling one program at once share a single executable."""
    from mlax._src import core

    marker = np.float32(123.25)  # a constant no other test uses

    def work(tid):
        f = mlax.jit(lambda v: v * marker + 0.5)
        assert float(f(np.float32(2.0))) == 2.0 * 123.25 + 0.5

    _run_threads(work)
    keys = [k for k, (_, text) in core._EXECUTABLES.items() if "1.232500e+02" in text]
    assert len(keys) == 1


@pytest.mark.parametrize("n", [2])
def test_custom_vjp_traced_in_threads(n):
    @mlax.custom_vjp
    def f(x):
        return jnp.sin(x)

    def fwd(x):
        return jnp.sin(x), jnp.cos(x)

    def bwd(c, g):
        return (3.0 * g,)  # deliberately not cos: the rule must be used

    f.defvjp(fwd, bwd)

    def work(tid):
        for _ in range(4):
            g = mlax.jit(mlax.grad(lambda x: jnp.sum(f(x) * (tid + 1))))(np.ones(3, np.float32))
            np.testing.assert_allclose(np.asarray(g), np.full(3, 3.0 * (tid + 1)))

    _run_threads(work, n * 4)
