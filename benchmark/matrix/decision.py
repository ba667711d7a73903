"""What happens to a cell when a matrix runs: skip, resume or start it. One rule for the real run
(`cells.run_cell`) and for `vitbench run --dry-run`, which only reads the store.

- a FINISHED run with the cell's config hash in the experiment -> skip (idempotent rerun);
- a RUNNING or KILLED run with a checkpoint here or in the shared store (its MLflow artifacts or
  `--checkpoint-uri`) -> resume it in the same run, from the newer of the two;
- a RUNNING or KILLED run with no checkpoint and no logged epoch -> restart it in the same run;
- a RUNNING or KILLED run with logged epochs but no checkpoint -> close it as FAILED, start anew;
- a RUNNING run while another live queue worker holds the cell -> leave it to that worker;
- nothing -> start.

Importing this module pulls in MLflow, never TensorFlow: a dry run stays quick.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlflow.entities import Run
from mlflow.tracking import MlflowClient

from benchmark.matrix.context import MatrixContext
from benchmark.matrix.plan import Cell
from benchmark.paths import checkpoint_root
from benchmark.tracking import runs as tracking
from benchmark.tracking.shared_checkpoints import SharedCheckpoints
from benchmark.training import checkpoint
from reports import names
from reports.names import Status

SKIP, RESUME, START, ELSEWHERE = "skip", "resume", "start", "elsewhere"
LOCAL, SHARED = "local", "shared"  # where a resumed cell's checkpoint comes from


@dataclass(frozen=True)
class CellDecision:
    cell: Cell
    action: str  # SKIP | RESUME | START | ELSEWHERE
    run: Run | None = None  # the run skipped, resumed or left to another worker
    stale: Run | None = None  # a RUNNING/KILLED run without checkpoint, closed before START
    resume_epoch: int = 0
    source: str | None = None  # LOCAL | SHARED | None (restart in the same run)
    shared: SharedCheckpoints | None = None  # the resumed run's shared checkpoints
    logged: frozenset[int] = frozenset()  # epochs the resumed run already holds in MLflow

    @property
    def run_id(self) -> str | None:
        return self.run.info.run_id if self.run is not None else None

    def describe(self) -> str:
        if self.action == SKIP:
            return f"skip: FINISHED as run {self.run_id}"
        if self.action == RESUME and self.source is None:
            return f"restart run {self.run_id} ({self.run.info.status}): no epoch logged yet"
        if self.action == RESUME:
            return (f"resume run {self.run_id} ({self.run.info.status}) after epoch "
                    f"{self.resume_epoch} from the {self.source} checkpoint")  # fmt: skip
        if self.action == ELSEWHERE:
            return f"leave run {self.run_id}: RUNNING on another worker"
        if self.stale is not None:
            return (f"start (run {self.stale.info.run_id} was {self.stale.info.status} with no "
                    "checkpoint: it would be closed as FAILED)")  # fmt: skip
        return "start"


def cell_runs(client: MlflowClient, experiment_id: str, key: str) -> tuple[Run | None, Run | None]:
    """(a FINISHED run, a resumable RUNNING/KILLED run) of the cell with config hash `key`."""
    query = (
        f"{names.search_key(names.CONFIG_HASH)} = '{key}' and "
        f"{names.search_key(names.KIND)} = '{names.Kind.CELL}'"
    )
    runs = tracking.find_runs(client, experiment_id, query)
    finished = [r for r in runs if r.info.status == Status.FINISHED]
    resumable = [r for r in runs if r.info.status in (Status.RUNNING, Status.KILLED)]
    return (finished[0] if finished else None), (resumable[0] if resumable else None)


def decide(ctx: MatrixContext | None, cell: Cell, takeover: bool = True) -> CellDecision:
    """The action for `cell`; no context (nothing tracked yet) means START. A resumed run's
    logged epochs are read here, once, for the run logger.

    `takeover=False` (a queue worker that knows another live worker holds this cell) leaves a
    RUNNING run alone; the default takes a stale RUNNING/KILLED run over, as a rerun does."""
    if ctx is None:
        return CellDecision(cell, START)
    client = ctx.client
    finished, resumable = cell_runs(client, ctx.experiment_id, cell.key)
    if finished is not None:
        return CellDecision(cell, SKIP, finished)
    if resumable is None:
        return CellDecision(cell, START)
    if not takeover and resumable.info.status == Status.RUNNING:
        return CellDecision(cell, ELSEWHERE, resumable)
    local = checkpoint.load_meta(checkpoint_root() / cell.key)
    local_epoch = local.epochs_done if local is not None and local.config_hash == cell.key else 0
    shared = SharedCheckpoints.for_run(resumable, ctx.checkpoint_uri, client.tracking_uri)
    epochs = shared.epochs()
    shared_epoch = epochs[0] if epochs else 0
    logged = frozenset(tracking.logged_epochs(client, resumable.info.run_id))
    resume = {"run": resumable, "shared": shared, "logged": logged}
    if shared_epoch > local_epoch:
        return CellDecision(cell, RESUME, resume_epoch=shared_epoch, source=SHARED, **resume)
    if local_epoch:
        return CellDecision(cell, RESUME, resume_epoch=local_epoch, source=LOCAL, **resume)
    if not logged:
        return CellDecision(cell, RESUME, **resume)  # nothing to lose: same run, from epoch 0
    return CellDecision(cell, START, stale=resumable)
