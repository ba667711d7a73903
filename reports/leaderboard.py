"""The leaderboard behind `vitbench runs`: one row per cell (or trial) of a matrix, a study or
every matrix of an experiment, read from MLflow like the report (``reports.collect``), no
TensorFlow.

Machine columns (CSV/JSON) keep MLflow's values: accuracies as fractions, ``test_top1`` is the
metric ``test_accuracy``, ``test_top5`` is ``test_top5_accuracy``, ``best_val`` is
``best_val_accuracy``, ``wall_s`` the run's end minus start time. ``display_rows`` formats the
same frame for people (percentages, thousands separators).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Run

from reports.collect import Source, find_source, runs_frame, search_all
from reports.errors import ReportError, RunNotFoundError
from reports.names import PARENT_RUN_ID, Kind, Status, search_key

# leaderboard column -> MLflow metric it is read from (None: computed or a tag)
METRICS = {
    "test_top1": "test_accuracy",
    "test_top5": "test_top5_accuracy",
    "best_val": "best_val_accuracy",
    "params": "params_total",
    "flops": "flops_per_image",
    "train_img_s": "train_images_per_s",
}
BASE_COLUMNS = ("model", "seed", "preset", "dataset", "status", *METRICS, "wall_s", "run_id")
STUDY_COLUMNS = ("trial", "state", "objective", "objective_1")
PERCENT = ("test_top1", "test_top5", "best_val", "objective")
HEADINGS = {
    "test_top1": "test top-1",
    "test_top5": "test top-5",
    "best_val": "best val",
    "train_img_s": "train img/s",
    "wall_s": "wall time",
    "run_id": "run id",
    "objective_1": "objective 2",
    "test_top1_std": "top-1 std",
    "n_finished": "finished",
}
NUMERIC = (*METRICS, "wall_s", "seed", "trial", "objective", "objective_1", "n", "n_finished")


class UnknownColumnError(ReportError):
    """A --sort, --where or --group key that is not a column."""


def find_leaderboard_source(
    client: MlflowClient,
    *,
    experiment: str | None = None,
    matrix: str | None = None,
    study: str | None = None,
) -> Source:
    """`--study NAME`, `--matrix RUN_ID|latest`, `--experiment NAME` alone (all its matrices), or
    by default the latest matrix of the default experiment."""
    if study:
        return find_source(client, experiment=experiment, study=study)
    if matrix and matrix != "latest":
        return find_source(client, run_id=matrix)
    return find_source(client, experiment=experiment, latest=matrix == "latest" or not experiment)


def _children(client: MlflowClient, source: Source) -> list[Run]:
    runs: list[Run] = []
    for parent in source.parent_run_ids:
        query = f"{search_key(PARENT_RUN_ID)} = '{parent}'"
        runs += search_all(client, source.experiment_ids, query)
    return runs


def _newest_per_cell(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per config hash (newest first in `frame`): its newest FINISHED run, else its
    newest run; rows without a hash are all kept."""

    def newest(part: pd.DataFrame) -> pd.DataFrame:
        return part[~part["config_hash"].duplicated() | part["config_hash"].isna()]

    finished = newest(frame[frame["status"] == Status.FINISHED])
    others = frame[(frame["status"] != Status.FINISHED)]
    others = newest(others[~others["config_hash"].isin(finished["config_hash"].dropna())])
    return pd.concat([finished, others])


def leaderboard(client: MlflowClient, source: Source) -> pd.DataFrame:
    """Every child run (FAILED and KILLED ones too), one row each, best test top-1 first.

    Across an experiment's matrices a cell run again (same config hash) keeps its newest
    FINISHED run, as in the report."""
    runs = _children(client, source)
    if not runs:
        raise RunNotFoundError(f"{source.kind} {source.name!r} has no child runs yet.")
    frame = runs_frame(runs).sort_values("start_time", ascending=False, kind="stable")
    if source.kind == "experiment":
        frame = _newest_per_cell(frame)
    ends = {r.info.run_id: r.info.end_time for r in runs}
    out = pd.DataFrame(index=frame.index)
    for col in ("model", "seed", "preset", "dataset", "status"):
        out[col] = frame[col]
    for col, metric in METRICS.items():
        values = frame[metric] if metric in frame else pd.Series(math.nan, index=frame.index)
        param = frame.get(f"param.{metric}")
        if param is not None:  # counts are params too; the metric wins where both exist
            values = values.fillna(pd.to_numeric(param, errors="coerce"))
        out[col] = pd.to_numeric(values, errors="coerce")
    end = frame["run_id"].map(ends)
    out["wall_s"] = ((end - frame["start_time"]) / 1000).where(end.notna())
    out["run_id"] = frame["run_id"]
    if source.kind == Kind.STUDY:
        out["trial"] = frame["trial_number"]
        out["state"] = frame["optuna_state"]
        for col in ("objective", "objective_1"):
            if col in frame and frame[col].notna().any():
                out[col] = frame[col]
    for col in ("params", "flops"):
        out[col] = out[col].round().astype("Int64")
    params = [c for c in frame if c.startswith("param.")]
    out = pd.concat([out, frame[params]], axis=1)  # for --where on any config key
    key = "objective" if "objective" in out else "test_top1"
    return out.sort_values(key, ascending=False, na_position="last", kind="stable").reset_index(
        drop=True
    )


def columns_of(frame: pd.DataFrame) -> list[str]:
    """The leaderboard's own columns, in display order (no ``param.*``)."""
    order = [*BASE_COLUMNS[:5], *(c for c in STUDY_COLUMNS if c in frame), *BASE_COLUMNS[5:]]
    return [c for c in order if c in frame]


def _column(frame: pd.DataFrame, key: str) -> str:
    if key in frame and not key.startswith("param."):
        return key
    if f"param.{key}" in frame:
        return f"param.{key}"
    known = ", ".join(columns_of(frame))
    raise UnknownColumnError(f"unknown column {key!r}; use one of {known} or a config key "
                             "such as model.num_heads")  # fmt: skip


def select(
    frame: pd.DataFrame,
    status: Sequence[str] = (),
    where: Sequence[tuple[str, str]] = (),
) -> pd.DataFrame:
    """Rows whose status is one of `status` and whose `key` equals `value` for every pair."""
    if status:
        frame = frame[frame["status"].str.upper().isin([s.upper() for s in status])]
    for key, value in where:
        column = frame[_column(frame, key)]
        frame = frame[column.astype(str) == str(value)]
    return frame.reset_index(drop=True)


def sort(frame: pd.DataFrame, key: str, reverse: bool = False) -> pd.DataFrame:
    """Best first: numbers descending, text ascending; `reverse` flips it."""
    column = _column(frame, key)
    numeric = pd.api.types.is_numeric_dtype(frame[column])
    ascending = not numeric if not reverse else numeric
    return frame.sort_values(column, ascending=ascending, na_position="last", kind="stable")


def group_summary(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Per group: runs, FINISHED runs, and the mean and std of the metrics of FINISHED runs."""
    keys = [_column(frame, k) for k in by]
    rows = []
    for values, part in frame.groupby(keys, dropna=False, sort=True):
        values = values if isinstance(values, tuple) else (values,)
        done = part[part["status"] == Status.FINISHED]
        row = dict(zip(by, values, strict=True))
        row.update(n=len(part), n_finished=len(done))
        for col in ("test_top1", "test_top5", "best_val", "train_img_s", "wall_s"):
            row[col] = done[col].mean() if len(done) else math.nan
            if col == "test_top1":
                row["test_top1_std"] = done[col].std() if len(done) > 1 else math.nan
        row["params"] = done["params"].median() if len(done) else math.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.sort_values("test_top1", ascending=False, na_position="last").reset_index(drop=True)


def _fmt(column: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "-"
    if column in PERCENT or column == "test_top1_std":
        return f"{100 * float(value):.2f}%"
    if column in ("params", "flops", "n", "n_finished", "seed", "trial"):
        return f"{int(value):,}"
    if column == "wall_s":
        seconds = float(value)
        return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
    if column in ("train_img_s", "objective_1"):
        return f"{float(value):,.1f}"
    return str(value)


def display_rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, str]]:
    return [{c: _fmt(c, row[c]) for c in columns} for _, row in frame.iterrows()]


def machine_rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict]:
    """Plain Python values (None for missing) for CSV and JSON."""
    out = []
    for _, row in frame[list(columns)].iterrows():
        record = {}
        for c in columns:
            value = row[c]
            if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                value = None
            elif hasattr(value, "item"):
                value = value.item()
            record[c] = value
        out.append(record)
    return out


def heading(column: str) -> str:
    return HEADINGS.get(column, column.replace("_", " "))
