"""Run the real `vitbench study` in a subprocess, in its own working directory (own stores)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mlflow.tracking import MlflowClient

from tests.matrix.helpers import vitbench_env

TINY_STUDY = [
    "--model", "eanet", "--preset", "smoke",
    "--set", "data.synthetic_examples=160", "--set", "train.epochs=3",
]  # fmt: skip


def study_cmd(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "benchmark", "study", *args]


def run_study(args: list[str], cwd: Path, timeout: float = 300, env=None):
    return subprocess.run(
        study_cmd(args),
        cwd=cwd,
        env=vitbench_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_study(args: list[str], cwd: Path, env=None) -> subprocess.Popen:
    return subprocess.Popen(
        study_cmd(args),
        cwd=cwd,
        env=vitbench_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def local_storage(cwd: Path) -> str:
    return f"sqlite:///{(cwd / '.vitbench' / 'optuna.db').resolve()}"


def local_client(cwd: Path) -> MlflowClient:
    return MlflowClient(f"sqlite:///{(cwd / '.vitbench' / 'mlflow.db').resolve()}")


def runs_of(client: MlflowClient, kind: str, experiment: str = "vitbench") -> list:
    exp = client.get_experiment_by_name(experiment)
    return client.search_runs([exp.experiment_id], f"tags.`vitbench.kind` = '{kind}'")
