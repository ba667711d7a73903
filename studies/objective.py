"""The study objective: one trial = one `train_and_evaluate` call logged as an MLflow child run.

No second training loop: the trial's hooks wrap the matrix's `RunLogger` (same params, per-epoch
metrics, artifacts and model as a cell) and add Optuna's per-epoch `report` / `should_prune`.

States, the same in both stores:
- COMPLETE: MLflow FINISHED, metric `objective` (+ `objective_1`), tag `optuna.state=COMPLETE`.
- PRUNED: MLflow KILLED (stopped on purpose, not broken), tag `failure_reason=pruned at epoch k`.
- FAIL: MLflow FAILED with `failure_reason`; the trial's user attr `failure_reason` holds it too.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import keras
import optuna
from optuna.exceptions import ExperimentalWarning
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from benchmark.config import Preset, deep_merge, resolve_config
from benchmark.errors import VitbenchError
from benchmark.tracking import runs as tracking
from benchmark.tracking.lifecycle import Ending, run_tracked
from benchmark.tracking.run_logger import RunLogger, lineage_tags
from benchmark.training.loop import train_and_evaluate
from reports import names
from reports.names import Kind, Status
from studies.metrics import COST_METRICS
from studies.space import SearchSpace


class SurplusTrialError(VitbenchError):
    """Another worker already started the last trial of the budget; this one is not run."""


@dataclass
class StudyContext:
    """Everything a trial needs besides the trial itself."""

    client: Any  # MlflowClient
    experiment_id: str
    parent_run_id: str
    study_name: str
    preset: Preset
    model: str
    seed: int
    overrides: dict[str, Any]
    space: SearchSpace
    multi_objective: bool = False
    cost: str = "params"
    prune: bool = True
    n_trials: int | None = None
    quiet: bool = False
    lost_runs_closed: set[int] = field(default_factory=set)


class TrialHooks:
    """TrialHooks = RunLogger + Optuna reporting (single objective only)."""

    def __init__(self, tracker: RunLogger, trial, report: bool, prune: bool):
        self.tracker, self.trial = tracker, trial
        self.report, self.prune = report, prune
        self.last_epoch, self.last_value = 0, float("nan")

    def on_start(self, info) -> None:
        self.tracker.on_start(info)

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:

        self.tracker.on_epoch_end(epoch, metrics)
        self.last_epoch, self.last_value = epoch, float(metrics["val_accuracy"])
        if not self.report:
            return
        self.trial.report(self.last_value, epoch)
        if self.prune and self.trial.should_prune():
            raise optuna.TrialPruned(
                f"pruned at epoch {epoch} (val_accuracy={self.last_value:.4f})"
            )


def check_budget(trial, n_trials: int | None) -> None:
    """Exact totals across workers: a trial numbered after `n_trials` live-or-done trials is
    surplus (two workers raced for the last slot) and is failed before any work."""

    if n_trials is None:
        return
    counted = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)
    earlier = [
        t for t in trial.study.get_trials(deepcopy=False, states=counted) if t.number < trial.number
    ]
    if len(earlier) >= n_trials:
        raise SurplusTrialError(f"surplus trial: the study already has {n_trials} trials")


def close_lost_run(ctx: StudyContext, trial) -> None:
    """A retried trial (its worker died) left an MLflow run RUNNING forever: mark it FAILED."""

    frozen = next(t for t in trial.study.get_trials(deepcopy=False) if t.number == trial.number)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        lost = RetryHeartbeatStaleTrialCallback.retried_trial_number(frozen)
    if lost is None or lost in ctx.lost_runs_closed:
        return
    ctx.lost_runs_closed.add(lost)
    runs = tracking.find_runs(
        ctx.client,
        ctx.experiment_id,
        f"{names.search_key(names.OPTUNA_STUDY_NAME)} = '{ctx.study_name}' and "
        f"{names.search_key(names.OPTUNA_TRIAL_NUMBER)} = '{lost}'",
    )
    for run in runs:
        if run.info.status == Status.RUNNING:
            reason = f"worker lost (heartbeat stale); retried as trial {trial.number}"
            ctx.client.set_tag(run.info.run_id, names.FAILURE_REASON, reason)
            ctx.client.set_tag(run.info.run_id, names.OPTUNA_STATE, TrialState.FAIL.name)
            ctx.client.set_terminated(run.info.run_id, Status.FAILED)


def _trial_tags(ctx: StudyContext, config, trial) -> dict[str, str]:
    tags = lineage_tags(config, Kind.TRIAL)
    tags.update(
        {
            names.OPTUNA_STUDY_NAME: ctx.study_name,
            names.OPTUNA_TRIAL_NUMBER: str(trial.number),
            names.OPTUNA_STATE: TrialState.RUNNING.name,
        }
    )
    return tags


def _optuna_state(status: Status, error: BaseException | None) -> TrialState:
    """The trial's Optuna state for the run's one status (the lifecycle decided it)."""
    if status == Status.FINISHED:
        return TrialState.COMPLETE
    if status == Status.KILLED and isinstance(error, optuna.TrialPruned):
        return TrialState.PRUNED
    return TrialState.FAIL  # FAILED, or KILLED by a stop signal


def run_trial(ctx: StudyContext, trial) -> float | tuple[float, float]:
    """Optuna objective body: one tracked run; its outcome is translated to Optuna's states
    (a value, TrialPruned, or the error re-raised so Optuna records FAIL)."""

    check_budget(trial, ctx.n_trials)
    close_lost_run(ctx, trial)
    values = ctx.space.suggest(trial)
    config = resolve_config(
        ctx.preset, ctx.model, ctx.seed, deep_merge(ctx.overrides, ctx.space.overrides(values))
    )
    name = f"trial-{trial.number}-{ctx.study_name}"
    run_id = tracking.create_run(
        ctx.client, ctx.experiment_id, name, _trial_tags(ctx, config, trial), ctx.parent_run_id
    )
    trial.set_user_attr("mlflow_run_id", run_id)
    tracker = RunLogger(ctx.client, run_id, config)
    tracker.extra_params = {f"optuna.{k}": v for k, v in values.items()}
    hooks = TrialHooks(tracker, trial, report=not ctx.multi_objective, prune=ctx.prune)

    def ending(status: Status, result, error) -> Ending:
        state = _optuna_state(status, error)
        metrics: dict[str, float] = {}
        if state == TrialState.COMPLETE:
            metrics["objective"] = result.best_val_accuracy
            if ctx.multi_objective:
                metrics["objective_1"] = float(result.final_metrics()[COST_METRICS[ctx.cost]])
        elif state == TrialState.PRUNED:
            metrics["objective"] = hooks.last_value
        return Ending(metrics, {names.OPTUNA_STATE: state.name})

    try:
        outcome = run_tracked(
            tracker, lambda: train_and_evaluate(config, hooks), (optuna.TrialPruned,), ending
        )
    except KeyboardInterrupt:
        trial.set_user_attr(names.FAILURE_REASON, "interrupted (SIGTERM or Ctrl-C)")
        raise
    finally:
        keras.backend.clear_session(free_memory=False)
    if outcome.status == Status.FINISHED:
        objective = outcome.metrics["objective"]
        if ctx.multi_objective:
            return objective, outcome.metrics["objective_1"]
        return objective
    if isinstance(outcome.error, optuna.TrialPruned):
        trial.set_user_attr("pruned_reason", outcome.reason)
    else:
        trial.set_user_attr(names.FAILURE_REASON, outcome.reason[:2000])
    raise outcome.error


def objective_for(ctx: StudyContext):
    def objective(trial):
        try:
            return run_trial(ctx, trial)
        except SurplusTrialError as exc:
            trial.set_user_attr(names.FAILURE_REASON, str(exc))
            raise

    return objective
