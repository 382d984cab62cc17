#!/usr/bin/env bash
# `make wheel-check`: builds the wheel (reusing build/release, no isolation),
# checks its contents (the mlax package, its MLIR bindings and the two tools;
# no static libraries, object files, sources or duplicate shared libraries),
# installs it into a fresh virtual environment and runs the README example.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
rm -rf build/dist build/wheel-venv
"$PY" -m pip wheel -q --no-build-isolation --no-deps -Cbuild-dir=build/release -w build/dist .
WHEEL=$(ls build/dist/mlax-*.whl)
"$PY" - "$WHEEL" <<'EOF2'
import collections, sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
bad = [n for n in names if n.endswith((".a", ".o", ".cpp", ".h")) or n.startswith(("lib/", "src/"))]
assert not bad, f"stray files in the wheel: {bad[:10]}"
libs = collections.Counter(n.split("/")[-1].split(".so")[0] for n in names if ".so" in n)
dup = [k for k, c in libs.items() if c > 1]
assert not dup, f"duplicate shared libraries: {dup}"
scripts = [n for n in names if "/scripts/" in n]
assert any(n.endswith("/mlax-opt") for n in scripts) and any(n.endswith("/mlax-translate") for n in scripts), scripts
print(f"wheel ok: {len(names)} files, {sum(1 for n in names if '.so' in n)} shared libraries")
EOF2
python3 -m venv build/wheel-venv
build/wheel-venv/bin/pip install -q "$WHEEL"
cd build && wheel-venv/bin/python - <<'EOF2'
import numpy as np
import mlax
import mlax.numpy as jnp
assert "wheel-venv" in mlax.__file__, mlax.__file__
f = mlax.jit(lambda a, b: jnp.tanh(a @ b) + jnp.sum(a))
a = np.ones((4, 3), np.float32)
b = np.ones((3, 2), np.float32)
print(repr(f(a, b)))
print(float(mlax.grad(jnp.sin)(1.0)))
EOF2
wheel-venv/bin/mlax-opt --version > /dev/null
echo "wheel-check: ok"
