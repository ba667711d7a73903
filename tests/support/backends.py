"""Run Python code under another Keras backend: a subprocess started with that backend's
environment (Keras fixes the backend at import, so a test process cannot switch)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark import environment
from benchmark.training.backends import PACKAGES, backend_environment

NO_TENSORFLOW = Path(__file__).resolve().parent / "no_tensorflow"
ROOT = Path(__file__).resolve().parents[2]


def installed_backends() -> list[str]:
    return [b for b, package in PACKAGES.items() if importlib.util.find_spec(package)]


def require(backend: str) -> None:
    """CI installs every backend (the dev extra); elsewhere a missing one is skipped."""
    if importlib.util.find_spec(PACKAGES[backend]) is None:
        if environment.REQUIRE_SERVICES.get():
            pytest.fail(f"backend {backend} is required in CI but not installed")
        pytest.skip(f"{PACKAGES[backend]} is not installed")


def backend_env(backend: str, hide_tensorflow: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env.update(backend_environment(backend, op_determinism=True))
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    paths = [str(ROOT), env.get("PYTHONPATH", "")]
    if hide_tensorflow:
        paths.insert(0, str(NO_TENSORFLOW))
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env


def run_python(backend: str, code: str, cwd: Path, timeout: float = 600, hide_tf=False) -> str:
    """stdout of `python -c code` under `backend`; fails the test with stderr on error."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=backend_env(backend, hide_tf),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout
