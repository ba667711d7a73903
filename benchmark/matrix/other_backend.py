"""A cell whose Keras backend differs from this process's trains in a child process.

Keras fixes its backend at import, so a matrix that mixes backends (an experiment file with
`backends: [tensorflow, jax]`) hands such cells to `python -m benchmark.matrix.child`, started
with that backend's environment. The child writes the same MLflow child run as an in-process
cell; the parent reads back its outcome and its per-epoch progress from the child's output.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import mlflow

from benchmark.config import to_dict
from benchmark.matrix.plan import Cell
from benchmark.training.backends import backend_environment, check_installed

OUTCOME_PREFIX = "VITBENCH_OUTCOME "
EPOCH_PREFIX = "VITBENCH_EPOCH "


def run_in_child(
    cell: Cell,
    experiment_id: str,
    parent_run_id: str,
    progress: Callable[[int, dict], None] | None,
    takeover: bool,
    checkpoint_uri: str | None = None,
) -> dict[str, Any]:
    """{status, run_id, metrics, reason} of the cell, trained by a child of its backend."""
    train = cell.config.train
    check_installed(train.backend)
    spec = {
        "tracking_uri": mlflow.get_tracking_uri(),
        "experiment_id": experiment_id,
        "parent_run_id": parent_run_id,
        "config": to_dict(cell.config),
        "takeover": takeover,
        "checkpoint_uri": checkpoint_uri,
    }
    env = {
        **os.environ,
        **backend_environment(train.backend, train.op_determinism),
        "PYTHONUNBUFFERED": "1",
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmark.matrix.child", json.dumps(spec)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    outcome: dict[str, Any] | None = None
    try:
        for line in child.stdout:  # type: ignore[union-attr]
            if line.startswith(OUTCOME_PREFIX):
                outcome = json.loads(line[len(OUTCOME_PREFIX) :])
            elif line.startswith(EPOCH_PREFIX):
                epoch, metrics = json.loads(line[len(EPOCH_PREFIX) :])
                if progress is not None:
                    progress(epoch, metrics)
            else:
                print(line, end="")
        code = child.wait()
    except KeyboardInterrupt:  # the child marks its run KILLED on SIGTERM, then we stop too
        child.send_signal(signal.SIGTERM)
        child.wait()
        raise
    if code == 130:
        raise KeyboardInterrupt
    if outcome is None:
        return {"status": "FAILED", "run_id": "", "metrics": {}, "reason": f"child exit {code}"}
    return outcome
