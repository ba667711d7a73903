"""Run (or join, or resume) a study: Optuna study + MLflow parent run + the worker loop.

The study name is the identity: the same name on the same storage resumes it, and any process
(here or on another machine) pointed at the same storage and tracking server joins it. The
`--trials` budget is a total over all workers: COMPLETE + PRUNED trials count, FAILed ones are
replaced (a dead worker's trial is re-queued by the heartbeat callback).
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.exceptions import ExperimentalWarning
from optuna.storages import fail_stale_trials
from optuna.trial import TrialState

from benchmark.errors import ConfigError
from benchmark.tracking import runs as tracking
from benchmark.tracking.server import redact
from reports.names import (
    FAILURE_REASON,
    KIND,
    STUDY_BEST_TRIAL,
    STUDY_DIRECTIONS,
    STUDY_NAME,
    STUDY_PARETO_TRIALS,
    STUDY_STORAGE,
    Kind,
)
from studies.objective import StudyContext, objective_for

log = logging.getLogger(__name__)

POLL_S = 2.0


@dataclass
class StudySettings:
    study_name: str
    storage_url: str
    directions: tuple[str, ...]
    pruner: str = "median"
    prune_below: float | None = None  # hidden: ThresholdPruner, for deterministic tests
    sampler_seed: int | None = None
    n_trials: int | None = None
    timeout: float | None = None
    metric_names: tuple[str, ...] = ()  # what each objective is, shown by optuna-dashboard


def make_pruner(name: str, prune_below: float | None = None):

    if prune_below is not None:
        return optuna.pruners.ThresholdPruner(lower=prune_below)
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, reduction_factor=3)
    return optuna.pruners.NopPruner()


def open_study(settings: StudySettings, storage):
    """Create or load (`load_if_exists`) with a seeded TPE sampler."""

    multi = len(settings.directions) > 1
    sampler = optuna.samplers.TPESampler(seed=settings.sampler_seed, multivariate=not multi)
    pruner = (
        optuna.pruners.NopPruner() if multi else make_pruner(settings.pruner, settings.prune_below)
    )
    try:
        study = optuna.create_study(
            study_name=settings.study_name,
            storage=storage,
            sampler=sampler,
            pruner=pruner,
            directions=list(settings.directions),
            load_if_exists=True,
        )
    except ValueError as exc:  # directions differ from the stored study
        raise ConfigError(f"study {settings.study_name!r}: {exc}") from None
    if settings.metric_names and study.metric_names != list(settings.metric_names):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExperimentalWarning)
            study.set_metric_names(list(settings.metric_names))
    return study


def check_identity(study, identity: dict[str, str]) -> None:
    """A study name means one base config and one space: refuse to mix another into it."""

    stored = {k: study.user_attrs[k] for k in identity if k in study.user_attrs}
    differs = {k: (stored[k], v) for k, v in identity.items() if k in stored and stored[k] != v}
    if differs:
        details = "; ".join(
            f"{k}: study has {old}, this command {new}" for k, (old, new) in differs.items()
        )
        raise ConfigError(
            f"study {study.study_name!r} was started with a different setup ({details}); "
            "use the original --model/--preset/--set/--space, or a new --study-name"
        )
    for key, value in identity.items():
        if key not in stored:
            study.set_user_attr(key, value)


def study_parent(client, experiment_id: str, settings: StudySettings, tags: dict[str, str]) -> str:
    """One parent run per study name, reused on resume."""
    identity = {KIND: Kind.STUDY.value, STUDY_NAME: settings.study_name}
    extra = {
        STUDY_DIRECTIONS: ",".join(settings.directions),
        STUDY_STORAGE: redact(settings.storage_url),
        **tags,
    }
    name = f"study-{settings.study_name}"
    return tracking.find_or_create_parent(client, experiment_id, identity, name, extra)


def _counts(study) -> dict[str, int]:

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        fail_stale_trials(study)  # a dead worker's trial -> FAIL + re-queued (WAITING)
    counts: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name] = counts.get(trial.state.name, 0) + 1
        if trial.state == TrialState.FAIL and FAILURE_REASON in trial.user_attrs:
            counts["ERROR"] = counts.get("ERROR", 0) + 1  # raised, not a lost worker
    return counts


def optimize(study, ctx: StudyContext, settings: StudySettings, on_trial=None) -> None:
    """Run trials one at a time until the study-wide budget is met (or the timeout passes).

    `on_trial(study, trial)` is called after each trial (default: one line per trial).
    A worker that sees the last trials running elsewhere waits for them: if their worker dies,
    this one picks up the re-queued trial once the heartbeat grace period has passed."""

    done_states = (TrialState.COMPLETE, TrialState.PRUNED)
    if on_trial is None and not ctx.quiet:
        names = list(settings.metric_names) or None

        def on_trial(_study, trial) -> None:
            log.info(trial_line(trial, names))

    callbacks = [on_trial] if on_trial else []
    if settings.n_trials is not None:
        callbacks.append(optuna.study.MaxTrialsCallback(settings.n_trials, states=done_states))
    deadline = time.monotonic() + settings.timeout if settings.timeout else None
    waiting_logged = False
    while True:
        if deadline is not None and time.monotonic() >= deadline:
            log.info(f"timeout ({settings.timeout:g} s) reached; stopping this worker")
            return
        counts = _counts(study)
        done = counts.get(TrialState.COMPLETE.name, 0) + counts.get(TrialState.PRUNED.name, 0)
        if settings.n_trials is not None and not counts.get(TrialState.WAITING.name, 0):
            if done >= settings.n_trials:
                return
            if counts.get("ERROR", 0) >= settings.n_trials:
                log.info(
                    f"{counts['ERROR']} trials raised (the budget): stopping; see {FAILURE_REASON}"
                )
                return
            busy = counts.get(TrialState.RUNNING.name, 0)
            if done + busy >= settings.n_trials:
                if not waiting_logged:
                    log.info(f"waiting for {busy} running trial(s) of other workers")
                    waiting_logged = True
                time.sleep(POLL_S)
                continue
        remaining = None if deadline is None else max(deadline - time.monotonic(), 1.0)
        study.optimize(
            objective_for(ctx),
            n_trials=1,
            timeout=remaining,
            catch=(Exception,),
            callbacks=callbacks,
            gc_after_trial=True,
        )


def _num(value: Any) -> str:
    """Rounded for people: 4 decimals for accuracies, 4 significant digits for the rest."""
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    return f"{value:.4f}" if 0.01 <= abs(value) <= 1 else f"{value:.4g}"


def params_text(params: dict[str, Any]) -> str:
    return " ".join(f"{k}={_num(v)}" for k, v in params.items())


def values_text(values, names: list[str] | None = None) -> str:
    if values is None:
        return "-"
    names = names or [f"objective_{i}" for i in range(len(values))]
    return " ".join(f"{n}={_num(v)}" for n, v in zip(names, values, strict=False))


def trial_line(trial, names: list[str] | None = None) -> str:
    """One line per finished trial: number, state, named values, params, and why it stopped."""
    reason = trial.user_attrs.get(FAILURE_REASON) or trial.user_attrs.get("pruned_reason") or ""
    line = (f"trial {trial.number}: {trial.state.name} {values_text(trial.values, names)} "
            f"{params_text(trial.params)}")  # fmt: skip
    return f"{line}  ({reason})" if reason else line


def state_counts(study) -> dict[str, int]:
    counts: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name] = counts.get(trial.state.name, 0) + 1
    return counts


def best_text(study) -> str:
    """The best value so far (trial number), or the size of the Pareto front."""
    if not any(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False)):
        return "-"
    if len(study.directions) > 1:
        return f"Pareto front of {len(study.best_trials)}"
    best = study.best_trial
    return f"{_num(best.value)} (trial {best.number})"


def summarize(study, client, parent_run_id: str, quiet=False) -> dict[str, Any]:
    """Print the best trial (or the Pareto front) and record it on the parent run."""

    trials = study.get_trials(deepcopy=False)
    counts = {s.name: sum(t.state == s for t in trials) for s in TrialState}
    if not quiet:
        log.info("trials: " + ", ".join(f"{k}={v}" for k, v in counts.items() if v))
    completed = [t for t in trials if t.state == TrialState.COMPLETE]
    if not completed:
        log.info("no COMPLETE trial yet")
        return {"counts": counts}
    if len(study.directions) > 1:
        front = sorted(study.best_trials, key=lambda t: t.number)
        log.info(f"Pareto front ({len(front)} trials; maximise val accuracy, minimise cost):")
        names = study.metric_names
        for t in front:
            log.info(f"  trial {t.number}: {values_text(t.values, names)} {params_text(t.params)}")
        client.set_tag(parent_run_id, STUDY_PARETO_TRIALS, ",".join(str(t.number) for t in front))
        return {"counts": counts, "pareto": [t.number for t in front]}
    best = study.best_trial
    name = (study.metric_names or ["objective"])[0]
    log.info(f"best trial {best.number}: {name}={_num(best.value)} {params_text(best.params)}")
    client.log_metric(parent_run_id, "best_objective", float(best.value))
    client.set_tag(parent_run_id, STUDY_BEST_TRIAL, str(best.number))
    for key, value in best.params.items():
        client.set_tag(parent_run_id, f"best.{key}", str(value))
    return {"counts": counts, "best": best.number}
