"""Optuna studies read back from MLflow trial runs: tuned parameters, best trials, importances.

A trial logs each suggested value twice: as ``optuna.<name>`` and inside the flattened config
(``train.learning_rate``). The ``optuna.*`` params are the tuned parameters, one entry each;
studies logged without them fall back to the config keys that vary across trials.

Directions come from the study parent's tags (``vitbench.directions`` or ``optuna.directions``,
comma-separated); without them we assume maximize for ``objective`` and minimize for
``objective_1`` and the report says so. ``objective`` is the best validation accuracy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reports import names
from reports.tables import Table, fmt_num, fmt_pct

NOT_TUNED = {"seed", "preset", "params_total", "params_trainable", "params_non_trainable"}
NOT_TUNED |= {"flops_per_image", "input_size"}
DEFAULT_DIRECTIONS = ("maximize", "minimize")
OPTUNA_PREFIX = "param.optuna."
OBJECTIVE_LABEL = "objective: best val accuracy %"


def directions(parent_tags: dict[str, str]) -> tuple[tuple[str, ...], bool]:
    """(directions, assumed?) for objective, objective_1."""
    for key in (names.STUDY_DIRECTIONS, names.OPTUNA_DIRECTIONS, names.STUDY_DIRECTION_OLD):
        if parent_tags.get(key):
            parts = tuple(p.strip().lower() for p in parent_tags[key].split(","))
            return parts + DEFAULT_DIRECTIONS[len(parts) :], False
    return DEFAULT_DIRECTIONS, True


def objective_columns(trials: pd.DataFrame) -> list[str]:
    """``objective`` and, for a multi-objective study, ``objective_1``."""
    return [c for c in ("objective", "objective_1") if c in trials and trials[c].notna().any()]


def tuned_params(trials: pd.DataFrame) -> list[str]:
    """The ``param.optuna.*`` columns; without any, the config keys that vary across trials."""
    optuna_cols = sorted(c for c in trials if c.startswith(OPTUNA_PREFIX))
    if optuna_cols:
        return optuna_cols
    cols = [c for c in trials if c.startswith("param.") and c[len("param.") :] not in NOT_TUNED]
    return sorted(c for c in cols if trials[c].nunique(dropna=True) > 1)


def param_name(col: str) -> str:
    """``param.optuna.num_heads`` -> ``num_heads``; ``param.model.depth`` -> ``model.depth``."""
    return col[len(OPTUNA_PREFIX) :] if col.startswith(OPTUNA_PREFIX) else col[len("param.") :]


def varying(trials: pd.DataFrame, tuned: list[str]) -> list[str]:
    """Tuned parameters that took at least two values (the only ones a figure can show)."""
    return [c for c in tuned if trials[c].nunique(dropna=True) > 1]


def as_number(series: pd.Series) -> pd.Series:
    """Params arrive as strings; use numbers when every value parses, else keep categories."""
    numeric = pd.to_numeric(series, errors="coerce")
    return numeric if numeric.notna().all() else series.astype(str)


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


def _objective_cell(col: str, value: float) -> str:
    return fmt_pct(value) if col == "objective" else fmt_num(value, 4)


def best_trials_table(
    trials: pd.DataFrame, tuned: list[str], dirs: tuple[str, ...], k: int = 10
) -> Table:
    """Top-k complete trials by the first objective, with their tuned values."""
    ascending = not dirs[0].startswith("max")
    top = trials.sort_values("objective", ascending=ascending).head(k)
    objs = objective_columns(trials)
    heads = ["Objective (best val %)" if o == "objective" else o for o in objs]
    columns = ["Trial", "Model", "Seed", *heads, "Test top-1 %"] + [param_name(c) for c in tuned]
    rows = []
    for _, r in top.iterrows():
        cells = [str(r["trial_number"]), str(r["model"]), str(r["seed"])]
        cells += [_objective_cell(c, r[c]) for c in objs]
        cells.append(fmt_pct(r.get("test_accuracy", float("nan"))))
        rows.append(cells + [str(r[c]) for c in tuned])
    bold = {(0, 3)} if rows else set()
    direction_text = ", ".join(f"{o}: {d}" for o, d in zip(objs, dirs, strict=False))
    notes = [
        f"Top {len(rows)} of {len(trials)} complete trials ({direction_text}). A best trial was "
        "selected on validation accuracy, so its numbers are optimistic: re-run its configuration "
        "over seeds in a matrix before claiming it."
    ]
    return Table("Best trials", columns, rows, bold, notes)


def seed_repeats(trials: pd.DataFrame, tuned: list[str]) -> pd.DataFrame:
    """Trials of configurations that were run with more than one seed (else empty)."""
    if not tuned or trials["seed"].nunique(dropna=True) < 2:
        return trials.iloc[0:0]
    key = trials[tuned].astype(str).agg(", ".join, axis=1)
    seeds = trials.groupby(key)["seed"].transform("nunique")
    out = trials[seeds > 1].copy()
    out["configuration"] = key[seeds > 1]
    return out
