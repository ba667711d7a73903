"""Run the real `vitbench run` (or another subcommand) in a subprocess, in its own working
directory (its own store)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mlflow.tracking import MlflowClient

from tests.support.mlflow_server import FAST_CLIENT_ENV

TINY = [
    "--preset",
    "smoke",
    "--set",
    "data.synthetic_examples=160",
    "--set",
    "train.batch_size=32",
]


def vitbench_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env.update(FAST_CLIENT_ENV)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def run_vitbench(args: list[str], cwd: Path, timeout: float = 300, env=None, command="run"):
    return subprocess.run(
        [sys.executable, "-m", "benchmark", command, *args],
        cwd=cwd,
        env=vitbench_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_vitbench(args: list[str], cwd: Path, env=None, command="run") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmark", command, *args],
        cwd=cwd,
        env=vitbench_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def local_client(cwd: Path) -> MlflowClient:
    return MlflowClient(f"sqlite:///{(cwd / '.vitbench' / 'mlflow.db').resolve()}")


def wait_for_epoch(client_factory, experiment: str, epoch: int, process, timeout=120.0) -> str:
    """Poll the store until some cell run has logged `loss` at step >= epoch; return its id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"vitbench exited early:\n{process.stdout.read()}")
        try:
            client = client_factory()
            exp = client.get_experiment_by_name(experiment)
            if exp is not None:
                for run in client.search_runs([exp.experiment_id], "tags.`vitbench.kind` = 'cell'"):
                    steps = [m.step for m in client.get_metric_history(run.info.run_id, "loss")]
                    if steps and max(steps) >= epoch:
                        return run.info.run_id
        except Exception:  # the store may not exist yet
            pass
        time.sleep(0.05)
    raise AssertionError(f"no cell reached epoch {epoch} within {timeout} s")


def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> str:
    process.send_signal(sig)
    out, _ = process.communicate(timeout=60)
    return out


def cell_runs(client: MlflowClient, experiment: str) -> list:
    exp = client.get_experiment_by_name(experiment)
    return client.search_runs([exp.experiment_id], "tags.`vitbench.kind` = 'cell'")
