"""`python -m benchmark.matrix.child SPEC`: train one cell in this process's Keras backend.

Started by `other_backend.run_in_child` with the backend's environment already set; prints the
cell's per-epoch progress and its outcome as JSON lines the parent reads.
"""

from __future__ import annotations

import json
import sys

import mlflow
from mlflow.tracking import MlflowClient

from benchmark.config import from_dict
from benchmark.matrix.cells import run_cell
from benchmark.matrix.other_backend import EPOCH_PREFIX, OUTCOME_PREFIX
from benchmark.matrix.plan import Cell
from benchmark.training import preemption


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    preemption.install()  # SIGTERM stops at a step boundary and marks the run KILLED
    mlflow.set_tracking_uri(spec["tracking_uri"])
    client = MlflowClient(spec["tracking_uri"])
    cell = Cell(from_dict(spec["config"]))

    def progress(epoch: int, metrics: dict) -> None:
        print(EPOCH_PREFIX + json.dumps([epoch, metrics]), flush=True)

    try:
        outcome = run_cell(
            client,
            spec["experiment_id"],
            spec["parent_run_id"],
            cell,
            progress,
            spec["takeover"],
            spec.get("checkpoint_uri"),
        )
    except KeyboardInterrupt:
        return 130
    fields = {"status": outcome.status, "run_id": outcome.run_id, "reason": outcome.reason}
    print(OUTCOME_PREFIX + json.dumps({**fields, "metrics": outcome.metrics}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
