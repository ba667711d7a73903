"""Optuna studies read back from MLflow trial runs, without importing optuna.

Directions come from the study parent's tags (``vitbench.directions`` or ``optuna.directions``,
comma-separated); without them we assume maximize for ``objective`` and minimize for
``objective_1`` and the report says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reports.stats import eta_squared
from reports.tables import Table, fmt_num, fmt_pct

NOT_TUNED = {"seed", "preset", "params_total", "params_trainable", "params_non_trainable"}
NOT_TUNED |= {"flops_per_image"}
DEFAULT_DIRECTIONS = ("maximize", "minimize")


def directions(parent_tags: dict[str, str]) -> tuple[tuple[str, ...], bool]:
    """(directions, assumed?) for objective, objective_1."""
    for key in ("vitbench.directions", "optuna.directions", "vitbench.direction"):
        if parent_tags.get(key):
            parts = tuple(p.strip().lower() for p in parent_tags[key].split(","))
            return parts + DEFAULT_DIRECTIONS[len(parts) :], False
    return DEFAULT_DIRECTIONS, True


def objective_columns(trials: pd.DataFrame) -> list[str]:
    """``objective`` and, for a multi-objective study, ``objective_1``."""
    return [c for c in ("objective", "objective_1") if c in trials and trials[c].notna().any()]


def tuned_params(trials: pd.DataFrame) -> list[str]:
    """Config keys (``param.*``) whose value differs across the trials."""
    cols = [c for c in trials if c.startswith("param.") and c[len("param.") :] not in NOT_TUNED]
    return sorted(c for c in cols if trials[c].nunique(dropna=True) > 1)


def as_number(series: pd.Series) -> pd.Series:
    """Params arrive as strings; use numbers when every value parses, else keep categories."""
    numeric = pd.to_numeric(series, errors="coerce")
    return numeric if numeric.notna().all() else series.astype(str)


def importances(trials: pd.DataFrame, tuned: list[str], target: str = "objective") -> pd.DataFrame:
    """Eta squared of the objective per tuned parameter, highest first."""
    frame = trials[[target]].copy()
    rows = []
    for col in tuned:
        frame[col] = as_number(trials[col])
        name = col[len("param.") :]
        rows.append({"param": name, "eta_squared": eta_squared(frame, col, target)})
    out = pd.DataFrame(rows, columns=["param", "eta_squared"])
    out = out.sort_values("eta_squared", ascending=False, na_position="last")
    return out.reset_index(drop=True)


def pareto_mask(values: np.ndarray, dirs: tuple[str, ...]) -> np.ndarray:
    """True for points no other point dominates (all objectives at least as good, one better)."""
    signs = np.array([1.0 if d.startswith("max") else -1.0 for d in dirs[: values.shape[1]]])
    v = values * signs  # now larger is better everywhere
    mask = np.ones(len(v), dtype=bool)
    for i in range(len(v)):
        ge = np.all(v >= v[i], axis=1)
        gt = np.any(v > v[i], axis=1)
        mask[i] = not np.any(ge & gt)
    return mask


def best_trials_table(
    trials: pd.DataFrame, tuned: list[str], dirs: tuple[str, ...], k: int = 10
) -> Table:
    """Top-k complete trials by the first objective, with their tuned values."""
    ascending = not dirs[0].startswith("max")
    top = trials.sort_values("objective", ascending=ascending).head(k)
    objs = objective_columns(trials)
    columns = ["Trial", "Model"] + objs + ["Test top-1 %"] + [c[len("param.") :] for c in tuned]
    rows = []
    for _, r in top.iterrows():
        cells = [str(r["trial_number"]), str(r["model"])] + [fmt_num(r[c], 4) for c in objs]
        cells.append(fmt_pct(r.get("test_accuracy", float("nan"))))
        rows.append(cells + [str(r[c]) for c in tuned])
    bold = {(0, 2)} if rows else set()
    direction_text = ", ".join(f"{o}: {d}" for o, d in zip(objs, dirs, strict=False))
    notes = [f"Top {len(rows)} of {len(trials)} complete trials ({direction_text})."]
    return Table("Best trials", columns, rows, bold, notes)


def importance_table(imp: pd.DataFrame) -> Table:
    """Parameter importances as a table (the figure shows the same numbers)."""
    rows = [[r.param, fmt_num(r.eta_squared, 3)] for r in imp.itertuples()]
    notes = [
        "Importance = eta squared: the share of the objective's variance across complete trials "
        "explained by grouping on that one parameter (one-way ANOVA; numeric parameters with many "
        "values binned into quantiles). It ignores interactions; treat it as screening."
    ]
    return Table("Parameter importances", ["Parameter", "Eta squared"], rows, set(), notes)
