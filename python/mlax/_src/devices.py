"""Devices and backends (JAX's names), from the PJRT client mlax runs on."""

from __future__ import annotations

from typing import Any

from mlax._src import runtime


def _client(backend: Any = None):
    if backend is None or isinstance(backend, str):
        return runtime.backend(backend)
    return backend  # a client already


def devices(backend: Any = None) -> list:
    """All devices of the backend (default: the configured one)."""
    return list(_client(backend).devices())


def local_devices(
    process_index: int | None = None, backend: Any = None, host_id: Any = None
) -> list:
    """The devices attached to this process."""
    client = _client(backend)
    index = process_index if process_index is not None else client.process_index()
    return [d for d in client.devices() if d.process_index == index]


def device_count(backend: Any = None) -> int:
    return len(devices(backend))


def local_device_count(backend: Any = None) -> int:
    return len(local_devices(backend=backend))


def default_backend() -> str:
    """The platform name of the default backend ("cpu", "gpu", "tpu")."""
    platform = runtime.backend().platform
    return "gpu" if platform in ("cuda", "rocm") else platform


def process_index(backend: Any = None) -> int:
    return int(_client(backend).process_index())


def process_count(backend: Any = None) -> int:
    return 1 + max(d.process_index for d in devices(backend))


def print_environment_info(return_string: bool = False) -> str | None:
    """Versions (mlax, MLIR bindings' jaxlib, numpy, Python), the devices and
    the MLAX_/JAX_/XLA_ environment variables: what a bug report needs."""
    import os
    import platform
    import sys

    import jaxlib
    import numpy as np

    import mlax

    devs = devices()
    lines = [
        f"mlax:   {mlax.__version__}",
        f"jaxlib: {jaxlib.__version__} (runtime)",
        f"numpy:  {np.__version__}",
        f"python: {sys.version.splitlines()[0]}",
        f"device info: {devs[0].device_kind}-{len(devs)}, {local_device_count()} local devices",
        f"process_count: {process_count()}",
        f"platform: {platform.uname()}",
    ]
    lines += [f"{k}={v}" for k, v in os.environ.items() if k.startswith(("MLAX_", "JAX_", "XLA_"))]
    info = "\n".join(lines)
    if return_string:
        return info
    print(info)
    return None
