"""A cell whose Keras backend differs from this process's trains in a child process.

Keras fixes its backend at import, so a matrix that mixes backends (an experiment file with
`backends: [tensorflow, jax]`) hands such cells to `python -m benchmark.matrix.child`, started
with that backend's environment. The request travels as one JSON document (`ChildRequest`); the
child trains the cell with `cells.train_cell`, writing the same MLflow child run as an
in-process cell, and the parent reads back its outcome and per-epoch progress from its output.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from benchmark.config import to_dict
from benchmark.matrix.cells import CellOutcome
from benchmark.matrix.context import MatrixContext
from benchmark.matrix.plan import Cell
from benchmark.training.backends import backend_environment, check_installed
from reports.names import Status

OUTCOME_PREFIX = "VITBENCH_OUTCOME "
EPOCH_PREFIX = "VITBENCH_EPOCH "


@dataclass(frozen=True)
class ChildRequest:
    """What the child needs: the matrix context (as URIs and ids) and the cell's config."""

    tracking_uri: str
    experiment_id: str
    parent_run_id: str | None
    checkpoint_uri: str | None
    config: dict[str, Any]
    takeover: bool

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ChildRequest:
        return cls(**json.loads(text))


def run_in_child(
    ctx: MatrixContext,
    cell: Cell,
    progress: Callable[[int, dict], None] | None,
    takeover: bool,
) -> CellOutcome:
    """The cell's outcome, trained by a child process of its backend."""
    train = cell.config.train
    check_installed(train.backend)
    request = ChildRequest(
        ctx.tracking_uri, ctx.experiment_id, ctx.parent_run_id, ctx.checkpoint_uri,
        to_dict(cell.config), takeover,
    )  # fmt: skip
    env = {
        **os.environ,
        **backend_environment(train.backend, train.op_determinism),
        "PYTHONUNBUFFERED": "1",
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmark.matrix.child", request.to_json()],
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
                print(line, end="")  # the child's own output, passed through unchanged
        code = child.wait()
    except KeyboardInterrupt:  # the child marks its run KILLED on SIGTERM, then we stop too
        child.send_signal(signal.SIGTERM)
        child.wait()
        raise
    if code == 130:
        raise KeyboardInterrupt
    if outcome is None:
        return CellOutcome(cell, Status.FAILED, "", reason=f"child exit {code}")
    status = Status(outcome["status"])
    return CellOutcome(cell, status, outcome["run_id"], outcome["metrics"], outcome["reason"])
