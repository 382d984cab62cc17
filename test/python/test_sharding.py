"""Runs the multi-device tests (multidevice/) in a pytest subprocess over 8
virtual CPU devices: XLA reads the device count when jaxlib starts, so it
cannot be set inside this session."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def test_multidevice_suite():
    env = dict(os.environ)
    env["XLA_FLAGS"] = (
        env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8"
    ).strip()
    env.pop("PYTEST_XDIST_WORKER", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            os.path.join(HERE, "multidevice"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
    assert proc.returncode == 0, tail
    assert " passed" in proc.stdout and "skipped" not in proc.stdout.splitlines()[-1], tail
