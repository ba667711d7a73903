"""One matrix cell as one MLflow child run: skip, resume or start it, and record a failure.

Idempotent: a cell whose config hash already has a FINISHED run in the experiment is skipped.
Resumable: a cell left RUNNING (process killed) or KILLED (SIGTERM / Ctrl-C) continues from its
last checkpointed epoch in the SAME run, on any worker: each epoch's checkpoint is also
published to shared storage (`tracking.shared_checkpoints`). A failing cell is marked FAILED
with its reason and the matrix goes on; the caller exits non-zero.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
from mlflow.tracking import MlflowClient

from benchmark.errors import VitbenchError
from benchmark.matrix.decision import ELSEWHERE, RESUME, SHARED, SKIP, decide
from benchmark.matrix.other_backend import run_in_child
from benchmark.matrix.plan import Cell
from benchmark.paths import checkpoint_root
from benchmark.tracking import runs as tracking
from benchmark.tracking.run_logger import RunLogger, lineage_tags
from benchmark.tracking.shared_checkpoints import SharedCheckpoints
from benchmark.training import checkpoint
from benchmark.training.loop import train_and_evaluate
from benchmark.training.preemption import Preempted


@dataclass
class CellOutcome:
    cell: Cell
    status: str  # FINISHED | SKIPPED | FAILED | KILLED
    run_id: str
    metrics: dict[str, float] = field(default_factory=dict)
    reason: str = ""


@dataclass
class MatrixResult:
    parent_run_id: str
    experiment_id: str
    outcomes: list[CellOutcome]

    @property
    def failed(self) -> list[CellOutcome]:
        return [o for o in self.outcomes if o.status == "FAILED"]


def run_cell(
    client: MlflowClient,
    experiment_id: str,
    parent_run_id: str,
    cell: Cell,
    progress: Callable[[int, dict], None] | None = None,
    takeover: bool = True,
    checkpoint_uri: str | None = None,
) -> CellOutcome:
    """Train one cell into its child run; never raises except on interruption.

    Whether it is skipped, resumed or started is `decision.decide` (shared with the dry run);
    `takeover=False` leaves a RUNNING run to the live worker that holds it. A cell of another
    Keras backend than this process's trains in a child process (which decides the same way).
    """
    if cell.config.train.backend != keras.backend.backend():
        found = run_in_child(cell, experiment_id, parent_run_id, progress, takeover, checkpoint_uri)
        return CellOutcome(
            cell, found["status"], found["run_id"], found["metrics"], found["reason"]
        )
    decision = decide(client, experiment_id, cell, takeover, checkpoint_uri)
    if decision.action == SKIP:
        return CellOutcome(cell, "SKIPPED", decision.run_id, dict(decision.run.data.metrics))
    if decision.action == ELSEWHERE:
        return CellOutcome(cell, "SKIPPED", decision.run_id, reason="running on another worker")
    checkpoint_dir = checkpoint_root() / cell.key
    if decision.action == RESUME:
        run_id, shared = decision.run_id, decision.shared
        if decision.source == SHARED:
            shared.fetch(checkpoint_dir, cell.key)  # none complete: the local one, or epoch 0
        elif decision.source is None:
            checkpoint.clear(checkpoint_dir)
        client.update_run(run_id, status="RUNNING")
    else:
        if decision.stale is not None:  # epochs logged but no checkpoint anywhere: start afresh
            client.set_tag(
                decision.stale.info.run_id, "failure_reason", "worker lost; no checkpoint"
            )
            client.set_terminated(decision.stale.info.run_id, "FAILED")
        checkpoint.clear(checkpoint_dir)
        name = f"{cell.config.model.name}-s{cell.config.seed}-{cell.config.preset}"
        run_id = tracking.create_run(
            client, experiment_id, name, lineage_tags(cell.config, "cell"), parent_run_id
        )
        shared = SharedCheckpoints.for_run(
            client.get_run(run_id), checkpoint_uri, client.tracking_uri
        )
    tracker = RunLogger(client, run_id, cell.config, progress, shared=shared)
    tracker.writer.log(tags=tracking.worker_tags())
    try:
        result = train_and_evaluate(cell.config, tracker, checkpoint_dir)
        tracker.finish(result)
    except Preempted as stop:
        tracker.fail(
            f"preempted ({stop.signal_name}): handed back to the queue; resumes from its "
            "last checkpoint on the next worker",
            status="KILLED",
        )
        raise
    except KeyboardInterrupt:
        tracker.fail("interrupted (SIGTERM or Ctrl-C); rerun to resume", status="KILLED")
        raise
    except Exception as exc:  # NaN loss, OOM, bad shapes: record and go on with the matrix
        reason = str(exc) if isinstance(exc, VitbenchError) else f"{type(exc).__name__}: {exc}"
        tracker.fail(reason)
        _clear(checkpoint_dir, shared)
        if not isinstance(exc, VitbenchError):
            traceback.print_exc()
        return CellOutcome(cell, "FAILED", run_id, reason=reason)
    _clear(checkpoint_dir, shared)
    return CellOutcome(cell, "FINISHED", run_id, result.final_metrics())


def _clear(checkpoint_dir, shared: SharedCheckpoints) -> None:
    """The cell has ended: its resume state, here and shared, is no longer needed."""
    checkpoint.clear(checkpoint_dir)
    shared.clear()
