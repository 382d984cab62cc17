"""Global configuration flags: `mlax.config.update(name, value)`, `MLAX_*`
environment variables, and per-thread context managers (`with
mlax.enable_x64(True):`, `with mlax.debug_nans(True):`), as JAX's config.

A context manager's value holds for the calling thread until the block
ends; `update` sets the global value. Flags that change what a trace
produces are part of every jit cache key (`trace_context`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from typing import Any, Callable, Iterator

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def _parse_bool(name: str, text: str) -> bool:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError(f"invalid truth value {text!r} for environment variable {name}")


def _check_bool(name: str, v: Any) -> bool:
    if not isinstance(v, (bool, int)) or v not in (0, 1):
        raise TypeError(f"config option {name} expects a bool, got {v!r}")
    return bool(v)


def _check_choice(*choices: Any) -> Callable[[str, Any], Any]:
    def check(name: str, v: Any) -> Any:
        if v not in choices:
            raise ValueError(f"config option {name} must be one of {list(choices)}, got {v!r}")
        return v

    return check


def _check_precision(name: str, v: Any) -> Any:
    ok = (None, "default", "high", "highest", "bfloat16", "tensorfloat32", "float32", "fastest")
    if v not in ok:
        raise ValueError(f"config option {name} must be one of {list(ok)}, got {v!r}")
    return v


def _any(name: str, v: Any) -> Any:
    return v


# name -> (default, checker, affects traces, parse env text)
_FLAGS: dict[str, tuple[Any, Callable[[str, Any], Any], bool, Callable[[str, str], Any]]] = {
    "mlax_enable_x64": (False, _check_bool, True, _parse_bool),
    "mlax_platform_name": ("", _any, True, lambda n, t: t),
    "mlax_platforms": ("", _any, True, lambda n, t: t),
    "mlax_disable_jit": (False, _check_bool, False, _parse_bool),
    "mlax_log_compiles": (False, _check_bool, False, _parse_bool),
    # A directory of compiled executables shared by processes (keyed by the
    # StableHLO, platform, device and jaxlib version); "" = off.
    "mlax_compilation_cache_dir": ("", _any, False, lambda n, t: t),
    "mlax_debug_nans": (False, _check_bool, False, _parse_bool),
    "mlax_debug_infs": (False, _check_bool, False, _parse_bool),
    "mlax_numpy_rank_promotion": (
        "allow",
        _check_choice("allow", "warn", "raise"),
        True,
        lambda n, t: t,
    ),
    "mlax_default_matmul_precision": (None, _check_precision, True, lambda n, t: t or None),
    "mlax_default_device": (None, _any, True, lambda n, t: None),
}


class Config:
    """Holds mlax's flags; mirrors the shape of `jax.config`."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        for name, (default, check, _, parse) in _FLAGS.items():
            env = "MLAX_" + name[len("mlax_") :].upper()
            text = os.environ.get(env)
            self._values[name] = default if text is None else check(name, parse(env, text))
        self._local = threading.local()
        self._trace_flags = tuple(n for n, f in _FLAGS.items() if f[2])
        # Bumped by every change (update, a context manager entering or
        # leaving): dispatch_state recomputes only then.
        self._counter = itertools.count(1)  # next() is atomic: no lost bumps
        self._version = 0
        self._global_version = 0  # bumped by update only
        # Called after this thread's overrides change / after an update
        # (core keeps the C++ dispatchers' key in step).
        self._on_thread_change: Callable[[], None] = lambda: None
        self._on_global_change: Callable[[], None] = lambda: None

    def on_change(self, thread: Callable[[], None], glob: Callable[[], None]) -> None:
        self._on_thread_change, self._on_global_change = thread, glob

    def local_overrides(self) -> dict[str, Any]:
        """This thread's context-manager values (empty: none)."""
        return getattr(self._local, "overrides", None) or {}

    def global_version(self) -> int:
        return self._global_version

    @staticmethod
    def _canonical(name: str) -> str:
        # Accept jax's spelling so that `config.update("jax_enable_x64", ...)`
        # ported programs keep working.
        if name.startswith("jax_"):
            name = "mlax_" + name[len("jax_") :]
        if name not in _FLAGS:
            raise AttributeError(f"Unrecognized config option: {name}")
        return name

    def update(self, name: str, value: Any) -> None:
        name = self._canonical(name)
        self._values[name] = _FLAGS[name][1](name, value)
        self._version = next(self._counter)
        self._global_version = self._version
        self._on_global_change()

    def _overrides(self) -> dict[str, Any]:
        d = getattr(self._local, "overrides", None)
        if d is None:
            d = self._local.overrides = {}
        return d

    def read(self, name: str) -> Any:
        d = getattr(self._local, "overrides", None)
        if d and name in d:
            return d[name]
        return self._values[name]

    @contextlib.contextmanager
    def override(self, name: str, value: Any) -> Iterator[None]:
        """`value` for `name` in this thread while the block runs."""
        name = self._canonical(name)
        value = _FLAGS[name][1](name, value)
        d = self._overrides()
        missing = object()
        old = d.get(name, missing)
        d[name] = value
        self._version = next(self._counter)
        self._on_thread_change()
        try:
            yield
        finally:
            if old is missing:
                del d[name]
            else:
                d[name] = old
            self._version = next(self._counter)
            self._on_thread_change()

    def trace_context(self) -> tuple:
        """The values of the flags that change what a trace produces."""
        d = getattr(self._local, "overrides", None)
        if not d:
            v = self._values
            return tuple(v[n] for n in self._trace_flags)
        return tuple(d.get(n, self._values[n]) for n in self._trace_flags)

    def dispatch_state(self) -> tuple:
        """(version, trace_context(), whether outputs are checked for
        NaN/inf, whether the C++ dispatcher may run jitted calls, disable_jit),
        recomputed only after a change: what a jitted call reads
        on its fast path."""
        st = getattr(self._local, "state", None)
        if st is not None and st[0] == self._version:
            return st
        version = self._version
        check = bool(self.read("mlax_debug_nans") or self.read("mlax_debug_infs"))
        # The C++ dispatcher replays calls when nothing Python must see them
        # (NaN checks, disable_jit) and jax's dtype canonicalization of
        # numpy inputs is mlax's (x64 off in both).
        disabled = bool(self.read("mlax_disable_jit"))
        fast = not (check or disabled or self.read("mlax_enable_x64"))
        st = self._local.state = (version, self.trace_context(), check, fast, disabled)
        return st

    @property
    def x64_enabled(self) -> bool:
        return bool(self.read("mlax_enable_x64"))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.read(self._canonical(name))
        except AttributeError:
            raise AttributeError(name) from None


config = Config()


class State:
    """A flag usable as a context manager: `with mlax.debug_nans(True):`."""

    def __init__(self, name: str):
        self.name = name
        self.__name__ = name[len("mlax_") :]

    def __call__(self, new_val: Any = True):
        return config.override(self.name, new_val)

    @property
    def value(self) -> Any:
        return config.read(self.name)

    def __repr__(self) -> str:
        return f"State({self.name}={self.value!r})"


enable_x64 = State("mlax_enable_x64")
debug_nans = State("mlax_debug_nans")
debug_infs = State("mlax_debug_infs")
log_compiles = State("mlax_log_compiles")
numpy_rank_promotion = State("mlax_numpy_rank_promotion")
default_matmul_precision = State("mlax_default_matmul_precision")
default_device = State("mlax_default_device")


def disable_jit(disable: bool = True):
    """Within the block, jitted functions run their Python op by op (eager),
    so print and pdb see values."""
    return config.override("mlax_disable_jit", disable)
