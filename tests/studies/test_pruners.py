"""`--pruner` picks a pruner that prunes: real Optuna studies opened by `open_study` on a real
SQLite storage, fed known per-epoch val_accuracy curves through the objective's `TrialHooks`.

The curves tell the three choices apart (trial 0 is never pruned: no earlier result to compare):

    trial  curve (epochs 1, 2)   median (2 startup trials)   hyperband (eta 3)   none
    0      0.90, 0.90            COMPLETE                    COMPLETE            COMPLETE
    1      0.10, 0.10            COMPLETE (startup)          COMPLETE (alone)    COMPLETE
    2      0.40, 0.40            PRUNED (< median 0.5)       COMPLETE (best)     COMPLETE
    3      0.05, 0.05            PRUNED                      PRUNED (not top)    COMPLETE

Median: epoch 1 is compared with the median (0.5) of the COMPLETE trials' epoch-1 values once
two have finished. Hyperband: its one bracket (max resource 2 epochs, taken from trial 0) keeps
at rung 1 only the best of the trials it has seen there (trial 0 ran before it was set up), so
0.40 passes and 0.05 does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from optuna.trial import TrialState

from studies.objective import TrialHooks
from studies.runner import StudySettings, open_study
from studies.storage import open_storage

CURVES = [(0.9, 0.9), (0.1, 0.1), (0.4, 0.4), (0.05, 0.05)]
C, P = TrialState.COMPLETE, TrialState.PRUNED
EXPECTED = {"median": [C, C, P, P], "hyperband": [C, C, C, P], "none": [C, C, C, C]}


class EpochLog:
    """Stands in for the MLflow `RunLogger` behind the hooks: keeps what each epoch logged."""

    def __init__(self) -> None:
        self.epochs: list[int] = []

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        self.epochs.append(epoch)


def run_curves(tmp_path: Path, pruner: str) -> list:
    url = f"sqlite:///{(tmp_path / 'optuna.db').resolve()}"
    settings = StudySettings(f"pruner-{pruner}", url, ("maximize",), pruner=pruner, sampler_seed=0)
    study = open_study(settings, open_storage(url))

    def objective(trial) -> float:
        curve = CURVES[trial.number]
        hooks = TrialHooks(EpochLog(), trial, report=True, prune=True)
        for epoch, value in enumerate(curve, start=1):
            hooks.on_epoch_end(epoch, {"val_accuracy": value, "accuracy": 1.0})
        return max(curve)

    study.optimize(objective, n_trials=len(CURVES))
    return study.get_trials()


@pytest.mark.parametrize("pruner", sorted(EXPECTED))
def test_pruner_prunes_the_trials_it_must(tmp_path: Path, pruner: str) -> None:
    trials = run_curves(tmp_path, pruner)
    assert [t.state for t in trials] == EXPECTED[pruner]
    for trial, curve in zip(trials, CURVES, strict=True):
        reported = dict(enumerate(curve, start=1))
        if trial.state == TrialState.PRUNED:  # stopped at the first epoch it could be
            assert trial.intermediate_values == {1: curve[0]}
        else:
            assert trial.intermediate_values == reported and trial.value == max(curve)
