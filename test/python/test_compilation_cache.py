"""mlax_compilation_cache_dir (executables shared through the disk) and
mlax_log_compiles (the time of each compile step)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap

import mlax
import mlax.numpy as jnp
import numpy as np

_PROGRAM = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import mlax, mlax.numpy as jnp
    from mlax._src import runtime
    mlax.config.update("mlax_compilation_cache_dir", sys.argv[1])
    x = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    before = dict(runtime.compile_stats)
    f = mlax.jit(lambda x, w: jnp.tanh(x @ w).sum(axis=0))
    g = mlax.jit(mlax.grad(lambda w, x: jnp.sum(jnp.sin(x @ w) ** 2)))
    out = [np.asarray(f(x, x.T)).tolist(), np.asarray(g(x.T, x)).tolist()]
    stats = {k: runtime.compile_stats[k] - before[k] for k in before}
    print(json.dumps({"out": out, "stats": stats}))
    """
)


def _run(cache_dir, n=1):
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _PROGRAM, str(cache_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_a_second_process_compiles_nothing(tmp_path):
    # Two processes fill the cache at once (each writes whole files), a
    # third loads every executable from it and computes the same values.
    first = _run(tmp_path, n=2)
    # (the later of the two may already find what the other wrote)
    assert all(r["stats"]["xla"] + r["stats"]["disk_hits"] == 2 for r in first)
    assert len([p for p in os.listdir(tmp_path) if p.endswith(".pjrt")]) == 2
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".tmp")]
    (warm,) = _run(tmp_path)
    assert warm["stats"] == {"xla": 0, "disk_hits": 2}
    np.testing.assert_allclose(warm["out"][0], first[0]["out"][0], rtol=1e-6)
    np.testing.assert_allclose(warm["out"][1], first[0]["out"][1], rtol=1e-6)


def test_a_corrupt_cache_file_is_recompiled(tmp_path):
    _run(tmp_path)
    for p in os.listdir(tmp_path):
        (tmp_path / p).write_bytes(b"not an executable")
    (again,) = _run(tmp_path)
    assert again["stats"] == {"xla": 2, "disk_hits": 0}


def test_log_compiles_reports_each_step(caplog):
    f = mlax.jit(lambda x: jnp.cos(x) * 3)
    with caplog.at_level(logging.WARNING, logger="mlax"), mlax.log_compiles(True):
        f(jnp.ones(5))
        f(jnp.ones(5))  # cached: nothing logged
    msgs = [r.getMessage() for r in caplog.records]
    assert len(msgs) == 2, msgs
    assert "Compiling jit(<lambda>) with global shapes and types ['float32[5]']" in msgs[0]
    done = msgs[1]
    assert done.startswith("Finished compiling jit(<lambda>): tracing ")
    for step in ("transforming", "exporting", "XLA compilation"):
        assert step in done, done
