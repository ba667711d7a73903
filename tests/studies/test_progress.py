"""`vitbench study`'s progress: the bar's tally (done / pruned / failed, best so far) and the
rounded, named line per trial, over a real Optuna study."""

from __future__ import annotations

import io
import warnings

import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial
from rich.console import Console

from benchmark.cli.progress import StudyProgress


def test_tally_and_trial_lines_are_rounded_and_named():
    study = optuna.create_study(direction="maximize")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(["best_val_accuracy"])
    lr = {"learning_rate": FloatDistribution(1e-4, 1e-2, log=True)}
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, color_system=None, width=200)
    with StudyProgress(study, 6, interactive=True, console=console) as progress:
        for state, value in ((TrialState.COMPLETE, 0.17129629850387573),
                             (TrialState.PRUNED, None), (TrialState.FAIL, None),
                             (TrialState.COMPLETE, 0.7512345678)):  # fmt: skip
            trial = create_trial(state=state, value=value, params={"learning_rate": 0.000123456},
                                 distributions=lr)  # fmt: skip
            study.add_trial(trial)
            progress.trial_ended(study, study.trials[-1])
        done, tally = progress.counts_text(study)
    assert done == 3  # COMPLETE + PRUNED count against the budget; FAIL is replaced
    assert tally == "complete 2  pruned 1  failed 1  best 0.7512 (trial 3)"
    text = screen.getvalue()
    assert "trial 0: COMPLETE best_val_accuracy=0.1713 learning_rate=0.0001235" in text
    assert "0.17129629850387573" not in text
    assert "3/6" in text  # the bar: trials done out of the budget
