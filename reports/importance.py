"""Parameter importances of a study, from Optuna's own fANOVA evaluator.

The report reads trials from MLflow, not from the Optuna storage (which may be unreachable from
where the report is built), so the complete trials are re-created in an in-memory study and
handed to ``optuna.importance.get_param_importances``. Distributions are rebuilt from the values
seen: integers and floats as a range over the observed span, anything else as categories.
Optuna is imported here only, and only for study reports.
"""

from __future__ import annotations

import math
from types import ModuleType

import pandas as pd

from reports.study import as_number, param_name, varying
from reports.tables import Table, fmt_num

MIN_TRIALS_FOR_IMPORTANCE = 10
EVALUATOR = "fANOVA (optuna.importance.FanovaImportanceEvaluator, seed 0)"


def _distribution(values: pd.Series):
    from optuna.distributions import (  # deferred: only study reports need optuna
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    numeric = as_number(values)
    if pd.api.types.is_numeric_dtype(numeric):
        low, high = float(numeric.min()), float(numeric.max())
        if all(float(v).is_integer() for v in numeric):
            return IntDistribution(int(low), int(high)), [int(v) for v in numeric]
        log = low > 0 and high / low >= 100
        return FloatDistribution(low, high, log=log), [float(v) for v in numeric]
    return CategoricalDistribution(sorted(set(numeric))), list(numeric)


def importances(trials: pd.DataFrame, tuned: list[str], maximize: bool) -> pd.DataFrame | None:
    """Importance of each varying tuned parameter for ``objective``; None below the threshold."""
    data = trials.dropna(subset=["objective"]).sort_values("trial_number")  # Optuna's order
    cols = varying(data, tuned)
    if len(data) < MIN_TRIALS_FOR_IMPORTANCE or not cols:
        return None
    import optuna  # deferred: only study reports need optuna

    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no "study created" lines
    try:
        return _evaluate(optuna, data, cols, maximize)
    finally:
        optuna.logging.set_verbosity(verbosity)


def _evaluate(
    optuna: ModuleType, data: pd.DataFrame, cols: list[str], maximize: bool
) -> pd.DataFrame:
    dists, values = {}, {}
    for col in cols:
        dists[param_name(col)], values[param_name(col)] = _distribution(data[col])
    study = optuna.create_study(direction="maximize" if maximize else "minimize")
    for i, objective in enumerate(data["objective"].astype(float)):
        params = {name: vals[i] for name, vals in values.items()}
        study.add_trial(
            optuna.trial.create_trial(params=params, distributions=dists, value=objective)
        )
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)
    imp = optuna.importance.get_param_importances(study, evaluator=evaluator)
    rows = [{"param": k, "importance": float(v)} for k, v in imp.items()]
    out = pd.DataFrame(rows, columns=["param", "importance"])
    return out.sort_values("importance", ascending=False).reset_index(drop=True)


def importance_items(imp: pd.DataFrame | None, n_complete: int) -> list:
    """The table (or the sentence saying why there is none) for the report."""
    if imp is None:
        return [
            f"Parameter importances need at least {MIN_TRIALS_FOR_IMPORTANCE} complete trials "
            f"and a parameter that took two values; this study has {n_complete} complete trials."
        ]
    rows = [[r.param, fmt_num(r.importance, 3)] for r in imp.itertuples()]
    notes = [
        f"Importance of each tuned parameter for the objective over {n_complete} complete trials: "
        f"{EVALUATOR}; importances sum to 1. It is computed from a random forest fitted to the "
        "trials, so with few trials it is a screening aid, not a measurement.",
    ]
    if any(math.isnan(v) for v in imp["importance"]):
        notes.append("NaN: the evaluator could not attribute variance to that parameter.")
    return [Table("Parameter importances", ["Parameter", "Importance"], rows, set(), notes)]
