"""Per-call cost in instructions, mlax vs jax: a measurement that a shared
machine's noise does not move. Each case runs in a fresh process under
valgrind's callgrind twice, with 0 and with N calls after a warm-up; the
difference over N is its instructions per call on the calling thread
(XLA runs these small programs there; the worker threads' spin-waits,
which vary from run to run, are left out).

Needs valgrind (not part of `make bench`); each case takes about a minute.
    python bench_instructions.py [--calls N] [case ...]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

# name -> (setup, call), with `lib` (mlax or jax) and `np_mod` (its numpy)
# bound; `x` is a small float32 array on the device.
CASES = {
    "jit, 1 device array": ("f = lib.jit(lambda a: a + 1)", "f(x)"),
    "jit, 4 device arrays": ("f = lib.jit(lambda a, b, c, d: a + b + c + d)", "f(x, x, x, x)"),
    "jit, 3 outputs": ("f = lib.jit(lambda a: (a + 1, a * 2, a - 3))", "f(x)"),
    "eager jnp.sin": ("", "np_mod.sin(x)"),
    "eager x + y": ("", "x + x"),
}

_RUN = textwrap.dedent(
    """
    import sys
    import numpy as np
    which, n = sys.argv[1], int(sys.argv[2])
    if which == "mlax":
        import mlax as lib
        import mlax.numpy as np_mod
    else:
        import jax as lib
        import jax.numpy as np_mod
    x = np_mod.asarray(np.linspace(-1, 1, 3, dtype=np.float32))
    {setup}
    for _ in range(3):
        {call}
    lib.block_until_ready({call})
    for _ in range(n):
        {call}
    lib.block_until_ready({call})
    """
)


def instructions(script: str, which: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        proc = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--separate-threads=yes",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-c",
                script,
                which,
                str(n),
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},  # the same dict layouts each run
        )
        with open(out + "-01") as f:  # the main thread's profile
            m = re.search(r"^totals: (\d+)", f.read(), re.M)
        if not m:
            raise RuntimeError(proc.stderr[-2000:])
        return int(m.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("cases", nargs="*", default=list(CASES))
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("bench_instructions needs valgrind")
    print(f"{'benchmark':24s} {'mlax':>10s} {'jax':>10s} {'ratio':>6s}  (instructions per call)")
    for name in args.cases:
        setup, call = CASES[name]
        script = _RUN.format(setup=setup, call=call)
        per = {}
        for which in ("mlax", "jax"):
            base = instructions(script, which, 0)
            per[which] = (instructions(script, which, args.calls) - base) / args.calls
        print(f"{name:24s} {per['mlax']:10.0f} {per['jax']:10.0f} {per['mlax'] / per['jax']:6.3f}")


if __name__ == "__main__":
    main()
