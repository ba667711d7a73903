"""The matrix as a queue shared by many workers (`vitbench run --workers K --storage URL`).

Optuna's RDB storage is the engine, so no lock or queue of our own: one enqueued trial per cell
(popping a WAITING trial is atomic), a heartbeat per running trial, and a retry callback that
re-enqueues a dead worker's trial. A worker told to stop (SIGTERM, SIGUSR1, Ctrl-C) hands its
cell back at once: it enqueues the cell again before exiting, so an idle worker resumes it within
seconds, not after the heartbeat's grace period. MLflow stays the record of results: `run_cell`
does the work.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Sequence

import optuna
from mlflow.tracking import MlflowClient
from optuna.exceptions import DuplicatedStudyError, ExperimentalWarning
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback, fail_stale_trials
from optuna.trial import FrozenTrial, TrialState

from benchmark import environment
from benchmark.errors import ConfigError, StorageUnavailableError
from benchmark.matrix.cells import CellOutcome, MatrixResult, run_cell
from benchmark.matrix.context import MatrixContext
from benchmark.matrix.plan import Cell, matrix_hash
from benchmark.tracking import runs as tracking
from benchmark.tracking import spool
from benchmark.tracking.server import redact, wait_for_server
from reports import names
from reports.names import Kind, Status

log = logging.getLogger(__name__)

PARENT_ATTR = "parent_run_id"
HANDED_BACK = "HANDED_BACK"  # the `outcome` of a trial whose worker gave its cell back
HANDED_BACK_BY = "handed_back_by"  # user attr of the re-enqueued trial: the trial number
LIVE = (TrialState.WAITING, TrialState.RUNNING)
MAX_RETRY = 3

warnings.filterwarnings("ignore", category=ExperimentalWarning)  # heartbeat API: stable enough


def heartbeat_seconds() -> int:
    """Heartbeat interval; a trial silent for 3 intervals counts as a dead worker's."""
    value = environment.HEARTBEAT_S.get()
    if value <= 0:
        raise ConfigError(f"${environment.HEARTBEAT_S.name}: must be > 0, got {value}")
    return value


def heartbeat_storage(
    url: str,
    heartbeat_interval: int,
    grace_period: int,
    max_retry: int = MAX_RETRY,
    label: str = "queue storage",
) -> RDBStorage:
    """The one RDB storage with a heartbeat that the cell queue and studies share: a trial whose
    worker died is marked FAIL after `grace_period` and re-queued with the same parameters by
    `RetryHeartbeatStaleTrialCallback`. An unreachable database is a ConfigError naming the URL."""
    engine_kwargs: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        engine_kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        return RDBStorage(
            url,
            engine_kwargs=engine_kwargs,
            heartbeat_interval=heartbeat_interval,
            grace_period=grace_period,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=max_retry),
        )
    except (ImportError, ModuleNotFoundError) as exc:
        raise ConfigError(
            f"{label} {redact(url)}: missing database driver ({exc}); for PostgreSQL "
            "install vitbench[postgres] (psycopg 3)"
        ) from None
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StorageUnavailableError(
            f"{label} {redact(url)} is unreachable or invalid: {first_line[:300]}. "
            "Check --storage (an SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db)."
        ) from None


def _queue_storage(url: str) -> RDBStorage:
    beat = heartbeat_seconds()
    return heartbeat_storage(url, beat, 3 * beat)


def matrix_parent(
    client: MlflowClient, experiment_id: str, cells: Sequence[Cell], name: str
) -> str:
    """The matrix's one parent run, found by the hash of its cells."""
    tags = {
        names.MATRIX_PRESET: ",".join(sorted({c.config.preset for c in cells})),
        names.MATRIX_CELLS: str(len(cells)),
        names.MATRIX_MODELS: ",".join(sorted({c.config.model.name for c in cells})),
        names.MATRIX_SEEDS: ",".join(str(s) for s in sorted({c.config.seed for c in cells})),
    }
    identity = {names.KIND: Kind.MATRIX.value, names.MATRIX_HASH: matrix_hash(cells)}
    return tracking.find_or_create_parent(client, experiment_id, identity, name, tags)


def open_queue(url: str, cells: Sequence[Cell]) -> tuple[optuna.Study, bool]:
    """Create or load study `matrix-<hash>`; True when this process created it (it elects the
    parent run). Retried because concurrent first starts may race on creating the tables."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    name = f"matrix-{matrix_hash(cells)}"
    sampler = optuna.samplers.RandomSampler()  # never used for cells: they are all enqueued
    for attempt in range(5):
        try:
            storage = _queue_storage(url)
            try:
                study = optuna.create_study(study_name=name, storage=storage, sampler=sampler)
                study.set_user_attr(names.KIND, Kind.CELL_QUEUE.value)  # hidden by the dashboard
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ExperimentalWarning)
                    study.set_metric_names(["cell_done"])  # 1 = FINISHED or SKIPPED
                return study, True
            except DuplicatedStudyError:
                return optuna.load_study(study_name=name, storage=storage, sampler=sampler), False
        except Exception as exc:  # table-creation race on an empty database
            if attempt == 4 or (
                isinstance(exc, ConfigError) and not isinstance(exc, StorageUnavailableError)
            ):
                raise
            time.sleep(1 + attempt)
    raise AssertionError("unreachable")


def cell_of(trial: FrozenTrial) -> str | None:
    """The cell key an enqueued (or retried) trial carries; None for a sampler-made trial."""
    return (trial.system_attrs.get("fixed_params") or {}).get("cell")


def live_cell_trials(study: optuna.Study) -> list[FrozenTrial]:
    return [t for t in study.get_trials(deepcopy=False, states=LIVE) if cell_of(t) is not None]


def finished_runs(client: MlflowClient, experiment_id: str) -> dict:
    """config hash -> a FINISHED cell run of this experiment."""
    query = (
        f"{names.search_key(names.KIND)} = '{Kind.CELL}' and "
        f"attributes.status = '{Status.FINISHED}'"
    )
    runs = tracking.find_runs(client, experiment_id, query)
    return {r.data.tags.get(names.CONFIG_HASH, ""): r for r in runs}


def finished_keys(client: MlflowClient, experiment_id: str) -> set[str]:
    return set(finished_runs(client, experiment_id))


def enqueue_cells(study: optuna.Study, cells: Sequence[Cell], done: set[str]) -> int:
    """Enqueue every cell not FINISHED in MLflow and not already waiting/running in the queue.

    Not `skip_if_exists`: it also counts FAIL/COMPLETE trials, so a KILLED or FAILED cell would
    never be queued again on a rerun. Concurrent starts may enqueue a cell twice; the objective
    lets only the earliest live trial of a cell run it.
    """
    pending = {cell_of(t) for t in live_cell_trials(study)}
    added = 0
    for cell in cells:
        if cell.key not in done and cell.key not in pending:
            study.enqueue_trial({"cell": cell.key})
            added += 1
    return added


def _order(trial: FrozenTrial) -> tuple:
    return (trial.datetime_start or trial.datetime_complete, trial.number)


def _wait_for_drain(study: optuna.Study, trial: optuna.Trial) -> None:
    """A sampler-made trial means the queue is empty. Wait while other cells run (their worker
    may be dead: failing stale trials re-enqueues them), then stop this worker."""
    poll = min(heartbeat_seconds(), 2)  # notice a finished cell soon, even with long beats
    while True:
        live = live_cell_trials(study)
        if any(t.state == TrialState.WAITING for t in live):
            raise optuna.TrialPruned("queue has work again")
        if not live:
            trial.set_user_attr("queue_drained", True)
            study.stop()
            raise optuna.TrialPruned("queue drained")
        time.sleep(poll)
        fail_stale_trials(study)


def hand_back(study: optuna.Study, trial: optuna.Trial, key: str) -> None:
    """Put the cell back in the queue for another worker. The outcome is marked first, so the
    worker popping the new trial does not take this still-RUNNING one for a live duplicate."""
    try:
        trial.set_user_attr("outcome", HANDED_BACK)
        study.enqueue_trial({"cell": key}, user_attrs={HANDED_BACK_BY: trial.number})
        log.info("cell %s handed back to the queue", key[:12])
    except Exception as exc:  # storage gone too: a rerun or the heartbeat re-queues it
        log.warning(
            "warning: could not hand the cell back (%s); a rerun re-queues it", type(exc).__name__
        )


def make_objective(
    cells: Sequence[Cell],
    run_one: Callable[[int, Cell, bool], CellOutcome],
    outcomes: list[CellOutcome],
) -> Callable[[optuna.Trial], float]:
    by_key = {c.key: (i, c) for i, c in enumerate(cells)}

    def objective(trial: optuna.Trial) -> float:
        study = trial.study
        me = study._storage.get_trial(trial._trial_id)
        key = cell_of(me)
        if key is None:
            _wait_for_drain(study, trial)
        trial.suggest_categorical("cell", sorted(by_key))
        index, cell = by_key[key]
        retry = RetryHeartbeatStaleTrialCallback.retried_trial_number(me)
        if retry is not None:
            log.info("%s: retrying the cell of lost trial %s", cell.label, retry)
        given_by = me.user_attrs.get(HANDED_BACK_BY)
        if given_by is not None:
            log.info("%s: resuming the cell handed back by trial %s", cell.label, given_by)
        others = [t for t in live_cell_trials(study) if cell_of(t) == key and t.number != me.number]
        others = [
            t
            for t in others
            if t.state == TrialState.RUNNING and t.user_attrs.get("outcome") != HANDED_BACK
        ]
        if any(_order(t) < _order(me) for t in others):  # a duplicate enqueue: the first wins
            trial.set_user_attr("outcome", "DUPLICATE")
            return 0.0
        try:
            outcome = run_one(index, cell, not others)
        except KeyboardInterrupt:
            hand_back(study, trial, key)
            raise
        trial.set_user_attr("outcome", outcome.status)
        trial.set_user_attr("run_id", outcome.run_id)
        if outcome.status != Status.ELSEWHERE:
            outcomes.append(outcome)
        return 1.0 if outcome.status in (Status.FINISHED, Status.SKIPPED) else 0.0

    return objective


def _other_workers_alive(study: optuna.Study) -> bool:
    """A RUNNING trial other than a handed-back one: a worker busy with a cell or waiting for
    the queue to drain (its heartbeat keeps it RUNNING; a dead one's is failed first)."""
    try:
        fail_stale_trials(study)
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    except Exception:  # the queue is unreachable too: leave the parent to the next worker
        return True
    return any(t.user_attrs.get("outcome") != HANDED_BACK for t in running)


def _elect_parent(
    study: optuna.Study,
    created: bool,
    client: MlflowClient,
    experiment_id: str,
    cells: Sequence[Cell],
    run_name: str,
) -> str:
    """Only the study's creator finds/creates the parent run, so concurrent workers share one."""
    if created:
        parent = matrix_parent(client, experiment_id, cells, run_name)
        study.set_user_attr(PARENT_ATTR, parent)
        return parent
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        parent = study.user_attrs.get(PARENT_ATTR)
        if parent:
            client.update_run(parent, status=Status.RUNNING)
            return parent
        time.sleep(0.5)
    return matrix_parent(client, experiment_id, cells, run_name)  # creator died early


def run_queue(
    cells: Sequence[Cell],
    ctx: MatrixContext,
    run_name: str,
    storage_url: str,
    on_cell_start: Callable[[int, Cell], Callable[[int, dict], None] | None] | None = None,
    on_cell_end: Callable[[CellOutcome], None] | None = None,
) -> MatrixResult:
    """One queue worker: run cells until none is waiting or running anywhere."""
    client, experiment_id = ctx.client, ctx.experiment_id
    spool.replay_all(client)
    wait_s = environment.SERVER_WAIT_S.get()
    study, created = open_queue(storage_url, cells)
    parent = _elect_parent(study, created, client, experiment_id, cells, run_name)
    ctx = ctx.with_parent(parent)
    done = finished_runs(client, experiment_id)
    enqueue_cells(study, cells, set(done))
    outcomes: list[CellOutcome] = []
    for cell in cells:  # say so for every cell that is already FINISHED (idempotent rerun)
        if cell.key in done:
            run = done[cell.key]
            outcome = CellOutcome(cell, Status.SKIPPED, run.info.run_id, dict(run.data.metrics))
            outcomes.append(outcome)
            if on_cell_end:
                on_cell_end(outcome)

    def run_one(index: int, cell: Cell, takeover: bool) -> CellOutcome:
        wait_for_server(client, ctx.tracking_uri, wait_s)  # a server back from an outage
        progress = on_cell_start(index, cell) if on_cell_start else None
        outcome = run_cell(ctx, cell, progress, takeover)
        if on_cell_end and outcome.status != Status.ELSEWHERE:
            on_cell_end(outcome)
        return outcome

    try:
        study.optimize(make_objective(cells, run_one, outcomes), catch=())
    except KeyboardInterrupt:
        if not _other_workers_alive(study):  # nobody left to take the handed-back cell
            client.set_terminated(parent, Status.KILLED)
        raise
    if not live_cell_trials(study):  # drained: every worker reaches the same verdict
        wait_for_server(client, ctx.tracking_uri, wait_s)
        done = finished_keys(client, experiment_id)
        status = Status.FINISHED if all(c.key in done for c in cells) else Status.FAILED
        client.set_terminated(parent, status)
    return MatrixResult(parent, experiment_id, outcomes)
