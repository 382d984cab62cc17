"""Threads: 4 Python threads each compile and run their own functions (first
calls: trace, optimize, export, XLA compile; then 200 cached calls), mlax vs
jax in one process. Reported: wall time of the threaded run over the same
work run serially (below 1: threads overlap; compilation releases the GIL
inside XLA), and mlax / jax for the threaded run."""

from __future__ import annotations

import threading
import time

import jax
import jax.numpy as jref
import mlax
import mlax.numpy as jnp
import numpy as np

N_THREADS = 4
FUNCS_PER_THREAD = 3


def work(np_mod, jit, tid: int, tag: int):
    x = np.linspace(-1, 1, 64, dtype=np.float32).reshape(8, 8)
    for k in range(FUNCS_PER_THREAD):
        scale = float(tag * 1000 + tid * 10 + k) + 0.5  # a distinct program each time
        f = jit(lambda a, s=scale: np_mod.tanh(a @ a.T * s) @ np_mod.sin(a) + s)
        for _ in range(200):
            y = f(x)
        np.asarray(y)


def timed(np_mod, jit, threaded: bool, tag: int) -> float:
    t0 = time.perf_counter()
    if threaded:
        ts = [threading.Thread(target=work, args=(np_mod, jit, t, tag)) for t in range(N_THREADS)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    else:
        for t in range(N_THREADS):
            work(np_mod, jit, t, tag)
    return time.perf_counter() - t0


def main():
    work(jnp, mlax.jit, 99, 0)  # warm up both libraries
    work(jref, jax.jit, 99, 0)
    ms, mt = timed(jnp, mlax.jit, False, 1), timed(jnp, mlax.jit, True, 2)
    js, jt = timed(jref, jax.jit, False, 1), timed(jref, jax.jit, True, 2)
    print(f"{N_THREADS} threads x {FUNCS_PER_THREAD} fresh jitted functions, 200 calls each")
    print(f"  mlax: serial {ms:.3f} s, threaded {mt:.3f} s (threaded/serial {mt / ms:.2f})")
    print(f"  jax:  serial {js:.3f} s, threaded {jt:.3f} s (threaded/serial {jt / js:.2f})")
    print(f"  threaded mlax/jax: {mt / jt:.2f}")


if __name__ == "__main__":
    main()
