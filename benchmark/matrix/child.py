"""`python -m benchmark.matrix.child REQUEST_JSON`: train one cell in this process's backend.

Started by `other_backend.run_in_child` with the backend's environment already set; prints the
cell's per-epoch progress and its outcome as JSON lines the parent reads.
"""

from __future__ import annotations

import json
import sys

import mlflow
from mlflow.tracking import MlflowClient

from benchmark.config import from_dict
from benchmark.matrix.cells import train_cell
from benchmark.matrix.context import MatrixContext
from benchmark.matrix.other_backend import EPOCH_PREFIX, OUTCOME_PREFIX, ChildRequest
from benchmark.matrix.plan import Cell
from benchmark.training import preemption


def main(argv: list[str]) -> int:
    request = ChildRequest.from_json(argv[0])
    preemption.install()  # SIGTERM stops at a step boundary and marks the run KILLED
    mlflow.set_tracking_uri(request.tracking_uri)
    ctx = MatrixContext(
        MlflowClient(request.tracking_uri), request.experiment_id, request.tracking_uri,
        request.parent_run_id, request.checkpoint_uri,
    )  # fmt: skip

    def progress(epoch: int, metrics: dict) -> None:
        print(EPOCH_PREFIX + json.dumps([epoch, metrics]), flush=True)

    try:
        outcome = train_cell(ctx, Cell(from_dict(request.config)), progress, request.takeover)
    except KeyboardInterrupt:
        return 130
    fields = {"status": outcome.status.value, "run_id": outcome.run_id, "reason": outcome.reason}
    print(OUTCOME_PREFIX + json.dumps({**fields, "metrics": outcome.metrics}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
