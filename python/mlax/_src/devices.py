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
