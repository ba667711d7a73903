"""Statistics keep only FINISHED runs whose Optuna trial (if any) is COMPLETE: a FINISHED run of a
trial Optuna recorded as PRUNED or FAIL stays out, as does any run that did not finish."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reports.tables import excluded_mask


def test_pruned_and_failed_trials_stay_out_even_when_their_run_finished():
    runs = pd.DataFrame(
        {
            "status": ["FINISHED", "FINISHED", "FINISHED", "FINISHED", "KILLED", "FAILED"],
            "optuna_state": ["PRUNED", "FAIL", "COMPLETE", np.nan, np.nan, "COMPLETE"],
        }
    )
    kept = [s == "FINISHED" and (pd.isna(o) or o == "COMPLETE")
            for s, o in zip(runs["status"], runs["optuna_state"], strict=True)]  # fmt: skip
    assert list(~excluded_mask(runs)) == kept == [False, False, True, True, False, False]
