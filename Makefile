# `make demo` and `make test` each set up everything on a fresh machine
# (python3, gcc/g++ are all they need): .venv, the MLIR SDK from PyPI, jax as
# test oracle and runtime glue, then an editable build of mlax.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
BUILD_DIR := build/release
export PATH := $(CURDIR)/$(BIN):$(PATH)
export SCCACHE_DIR ?= $(HOME)/.cache/sccache

.PHONY: demo test lit pytest fuzz fuzz-smoke asan lint format wheel-check build deps bench clean

demo: build
	$(PY) examples/jit_basics.py
	$(PY) examples/tutorial_autodiff.py

test: build lit pytest fuzz-smoke

lit: build
	$(BIN)/lit -sv $(BUILD_DIR)/test

# pytest-xdist: one worker per core (at most 4); each test compiles its own
# programs, so the suite scales with the cores.
pytest: build
	$(PY) -m pytest -q -n auto --maxprocesses 4 test/python

# Formatting and lint: ruff (Python), clang-format (C++, LLVM style).
CXX_SOURCES = $(shell git ls-files '*.cpp' '*.h')
lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/clang-format --dry-run --Werror $(CXX_SOURCES)

format: deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/clang-format -i $(CXX_SOURCES)

# Mutation fuzzing of mlax-opt / mlax-translate over the lit corpus
# (tools/fuzz_mlax_opt.py): a minute in `make test` with a fixed seed (a
# gate must not depend on the clock), longer and clock-seeded with `make fuzz`.
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SEED ?= 20261202
fuzz-smoke: build
	$(PY) tools/fuzz_mlax_opt.py --seconds 60 -j 2 --seed $(FUZZ_SMOKE_SEED)

fuzz: build
	$(PY) tools/fuzz_mlax_opt.py --seconds $(FUZZ_SECONDS)

# The wheel: contents checked, installed into a fresh venv, README example run.
wheel-check: build
	bash scripts/check_wheel.sh

# C++ under AddressSanitizer + UBSan (build/asan): lit, fuzzing, Python smoke.
asan: deps
	bash scripts/asan.sh

bench: build
	$(PY) benchmarks/bench_jit.py
	$(PY) benchmarks/bench_jvp.py
	cd benchmarks && ../$(PY) bench_grad.py && ../$(PY) bench_vmap.py && ../$(PY) bench_indexing.py && ../$(PY) bench_scan.py && ../$(PY) bench_threads.py

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

deps: $(VENV)/.deps-stamp
$(VENV)/.deps-stamp: requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# Editable install: scikit-build-core rebuilds incrementally in $(BUILD_DIR).
build: deps
	$(PY) -m pip install -q --no-build-isolation --no-deps -e . \
	  -Cbuild-dir=$(BUILD_DIR)

clean:
	rm -rf build
