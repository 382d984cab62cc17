#!/usr/bin/env bash
# `make asan`: mlax's C++ (dialect, rules, passes, tools, Python extension)
# built with AddressSanitizer + UndefinedBehaviorSanitizer in build/asan, then
# the lit suite, the fuzzer for a while, and a Python smoke test (jit, grad,
# vmap, control flow, custom rules, errors) against that build. The LLVM/MLIR
# SDK itself is not instrumented. Any sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
BUILD=build/asan
SAN="-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=undefined"
SAN="$SAN -fno-omit-frame-pointer"

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPython3_EXECUTABLE="$PWD/$PY" -DMLAX_ENABLE_PYTHON=ON \
  -DCMAKE_C_FLAGS="$SAN" -DCMAKE_CXX_FLAGS="$SAN" \
  -DCMAKE_EXE_LINKER_FLAGS="$SAN" -DCMAKE_SHARED_LINKER_FLAGS="$SAN" \
  -DCMAKE_MODULE_LINKER_FLAGS="$SAN" > "$BUILD.cmake.log"
ninja -C "$BUILD" -j "${JOBS:-2}"

export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
.venv/bin/lit -sv "$BUILD/test"
"$PY" tools/fuzz_mlax_opt.py --seconds "${ASAN_FUZZ_SECONDS:-60}" --seed "${FUZZ_SMOKE_SEED:-20261202}" --bindir "$BUILD/bin" \
  --out "$BUILD/fuzz-crashes"

# The Python package over the instrumented extension: python/mlax with
# mlax/mlir from this build; the sanitizer runtimes are preloaded (python
# itself is not instrumented).
SITE="$BUILD/site/mlax"
rm -rf "$BUILD/site" && mkdir -p "$SITE"
for entry in python/mlax/*; do ln -s "$PWD/$entry" "$SITE/"; done
ln -s "$PWD/$BUILD/python_packages/mlax/mlir" "$SITE/mlir"
PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
LD_PRELOAD="$PRELOAD" PYTHONPATH="$BUILD/site" "$PY" - <<'EOF'
import sys
# The editable install redirects `mlax` to build/release: bypass it.
sys.meta_path = [f for f in sys.meta_path if "Redirect" not in type(f).__name__]
import numpy as np
import mlax
import mlax.numpy as jnp
from mlax import lax
from mlax.mlir import ir as _ir
assert "build/asan" in _ir.__file__, _ir.__file__
x = np.linspace(-1, 1, 5, dtype=np.float32)
f = lambda v: jnp.sum(jnp.tanh(v) * jnp.sin(v) ** 2)
np.testing.assert_allclose(float(mlax.jit(f)(x)), float(np.sum(np.tanh(x) * np.sin(x) ** 2)),
                           rtol=1e-5, atol=1e-6)
g = mlax.grad(f)(x)
h = mlax.hessian(f)(x)
v = mlax.vmap(mlax.grad(f))(np.stack([x, 2 * x]))
np.testing.assert_allclose(np.asarray(v[0]), np.asarray(g), rtol=1e-5)
w = mlax.jit(mlax.grad(lambda c: lax.fori_loop(0, 3, lambda i, a: jnp.sin(a) * c, c)))(1.5)
c = mlax.grad(lambda a: lax.cond(a > 0, jnp.sin, jnp.cos, a))(0.3)
@mlax.custom_vjp
def clip(v): return v
clip.defvjp(lambda v: (v, None), lambda _, ct: (jnp.clip(ct, -1, 1),))
assert float(mlax.grad(lambda v: 3 * clip(v))(1.0)) == 1.0
for bad in (lambda: jnp.ones((2, 3)) @ jnp.ones((2, 3)), lambda: mlax.linear_transpose(jnp.sin, 1.0)(1.0)):
    try:
        bad()
    except (TypeError, ValueError):
        pass
print("asan python smoke: ok", h.shape, float(w), float(c))
EOF
