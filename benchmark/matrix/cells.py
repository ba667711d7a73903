"""One matrix cell as one MLflow child run: skip, resume or start it, and record how it ended.

Idempotent: a cell whose config hash already has a FINISHED run in the experiment is skipped.
Resumable: a cell left RUNNING (process killed) or KILLED (SIGTERM / Ctrl-C) continues from its
last checkpointed epoch in the SAME run, on any worker: each epoch's checkpoint is also
published to shared storage (`tracking.shared_checkpoints`). A failing cell is marked FAILED
with its reason and the matrix goes on; the caller exits non-zero. How a run ends is decided by
the one tracked-run lifecycle (`tracking.lifecycle`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import keras

from benchmark.matrix.context import MatrixContext
from benchmark.matrix.decision import ELSEWHERE, RESUME, SHARED, SKIP, CellDecision, decide
from benchmark.matrix.plan import Cell
from benchmark.paths import checkpoint_root
from benchmark.tracking import runs as tracking
from benchmark.tracking.lifecycle import run_tracked
from benchmark.tracking.run_logger import RunLogger, lineage_tags, model_name
from benchmark.tracking.shared_checkpoints import SharedCheckpoints
from benchmark.training import checkpoint
from benchmark.training.loop import train_and_evaluate
from reports import names
from reports.names import Kind, Status


@dataclass
class CellOutcome:
    cell: Cell
    status: Status  # FINISHED | SKIPPED | FAILED | KILLED | ELSEWHERE
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
        return [o for o in self.outcomes if o.status == Status.FAILED]


Progress = Callable[[int, dict], None]


def run_cell(
    ctx: MatrixContext, cell: Cell, progress: Progress | None = None, takeover: bool = True
) -> CellOutcome:
    """Train one cell into its child run; never raises except on interruption.

    The one place that chooses where a cell trains: in this process, or in a child process of
    the cell's Keras backend when it differs from this process's (Keras fixes it at import).
    `takeover=False` leaves a RUNNING run to the live worker that holds it."""
    if cell.config.train.backend != keras.backend.backend():
        from benchmark.matrix.other_backend import run_in_child

        return run_in_child(ctx, cell, progress, takeover)
    return train_cell(ctx, cell, progress, takeover)


def train_cell(
    ctx: MatrixContext, cell: Cell, progress: Progress | None = None, takeover: bool = True
) -> CellOutcome:
    """The cell in this process: `decision.decide` (shared with the dry run), then the run."""
    decision = decide(ctx, cell, takeover)
    if decision.action == SKIP:
        return CellOutcome(cell, Status.SKIPPED, decision.run_id, dict(decision.run.data.metrics))
    if decision.action == ELSEWHERE:
        return CellOutcome(cell, Status.ELSEWHERE, decision.run_id)
    checkpoint_dir = checkpoint_root() / cell.key
    run_id, shared = _open_run(ctx, decision, checkpoint_dir)
    state = checkpoint.load_meta(checkpoint_dir)  # the resume state, read once for everyone
    if state is not None and state.config_hash != cell.key:
        state = None
    tracker = RunLogger(
        ctx.client, run_id, cell.config, progress, shared=shared,
        resume=state, logged=decision.logged,
    )  # fmt: skip
    tracker.writer.log(tags=tracking.worker_tags())
    outcome = run_tracked(
        tracker, lambda: train_and_evaluate(cell.config, tracker, checkpoint_dir, resume=state)
    )
    if outcome.status in (Status.FINISHED, Status.FAILED):  # ended: no resume state needed
        checkpoint.clear(checkpoint_dir)
        shared.clear()
    return CellOutcome(cell, outcome.status, run_id, outcome.metrics, outcome.reason)


def _open_run(
    ctx: MatrixContext, decision: CellDecision, checkpoint_dir: Path
) -> tuple[str, SharedCheckpoints]:
    """The run the cell trains into, with its checkpoint in place: the resumed run (its shared
    checkpoint fetched when newer) or a new child run of the matrix."""
    client, cell = ctx.client, decision.cell
    if decision.action == RESUME:
        if decision.source == SHARED:
            decision.shared.fetch(checkpoint_dir, cell.key)  # none complete: local, or epoch 0
        elif decision.source is None:
            checkpoint.clear(checkpoint_dir)
        client.update_run(decision.run_id, status=Status.RUNNING)
        return decision.run_id, decision.shared
    if decision.stale is not None:  # epochs logged but no checkpoint anywhere: start afresh
        stale_id = decision.stale.info.run_id
        client.set_tag(stale_id, names.FAILURE_REASON, "worker lost; no checkpoint")
        client.set_terminated(stale_id, Status.FAILED)
    checkpoint.clear(checkpoint_dir)
    tags = lineage_tags(cell.config, Kind.CELL)
    run_id = tracking.create_run(
        client, ctx.experiment_id, model_name(cell.config), tags, ctx.parent_run_id
    )
    shared = SharedCheckpoints.for_run(
        client.get_run(run_id), ctx.checkpoint_uri, client.tracking_uri
    )
    return run_id, shared
