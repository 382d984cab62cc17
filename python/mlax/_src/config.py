"""Global configuration flags (`mlax.config.update(name, value)`)."""

from __future__ import annotations

import os
from typing import Any


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes", "on")


class Config:
    """Holds mlax's flags; mirrors the shape of `jax.config`."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {
            "mlax_enable_x64": _env_flag("MLAX_ENABLE_X64"),
            "mlax_platform_name": os.environ.get("MLAX_PLATFORM_NAME", ""),
        }

    def update(self, name: str, value: Any) -> None:
        # Accept jax's spelling so that `config.update("jax_enable_x64", ...)`
        # ported programs keep working.
        if name.startswith("jax_"):
            name = "mlax_" + name[len("jax_") :]
        if name not in self._values:
            raise AttributeError(f"Unrecognized config option: {name}")
        self._values[name] = value

    def read(self, name: str) -> Any:
        return self._values[name]

    @property
    def x64_enabled(self) -> bool:
        return bool(self._values["mlax_enable_x64"])

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)


config = Config()
