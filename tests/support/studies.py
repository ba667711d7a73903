"""Run the real `vitbench study` in a subprocess, in its own working directory (own stores)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mlflow.tracking import MlflowClient

from tests.support.cli import run_vitbench, start_vitbench

TINY_STUDY = [
    "--model", "eanet", "--preset", "smoke",
    "--set", "data.synthetic_examples=160", "--set", "train.epochs=3",
]  # fmt: skip


def run_study(args: list[str], cwd: Path, timeout: float = 300, env=None):
    return run_vitbench(args, cwd, timeout, env, command="study")


def start_study(args: list[str], cwd: Path, env=None) -> subprocess.Popen:
    return start_vitbench(args, cwd, env, command="study")


def local_storage(cwd: Path) -> str:
    return f"sqlite:///{(cwd / '.vitbench' / 'optuna.db').resolve()}"


def runs_of(client: MlflowClient, kind: str, experiment: str = "vitbench") -> list:
    exp = client.get_experiment_by_name(experiment)
    return client.search_runs([exp.experiment_id], f"tags.`vitbench.kind` = '{kind}'")
