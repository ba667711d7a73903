"""MLflow -> tidy pandas: find the parent run the user means, read its children in pages.

One row per child run; tags become plain columns, metrics keep their names, params get a
``param.`` prefix (``params_total`` exists as both a param and a metric; the metric wins).
SQL stores are read by :mod:`reports.sqlread` (same frame, a few queries instead of one ORM
object per value); servers through ``MlflowClient.search_runs``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Run, ViewType
from mlflow.exceptions import MlflowException

from reports import names, sqlread
from reports.errors import (
    ExperimentNotFoundError,
    NoFinishedRunsError,
    RunNotFoundError,
    StoreNotFoundError,
)
from reports.names import Kind, Status

DEFAULT_EXPERIMENT = "vitbench"
PAGE_SIZE = 5000
TAG_COLUMNS = {
    names.KIND: "kind",
    names.MODEL: "model",
    names.SEED: "seed",
    names.PRESET: "preset",
    names.DATASET: "dataset",
    names.CONFIG_HASH: "config_hash",
    names.DATASET_DIGEST: "dataset_digest",
    names.DATA_SOURCE: "data_source",
    names.DATA_SOURCE_DIGEST: "data_source_digest",
    names.DATA_CLASS_NAMES: "class_names",
    names.DATA_NUM_CLASSES: "num_classes",
    names.DATA_TRAIN_EXAMPLES: "train_examples",
    names.DATA_VAL_EXAMPLES: "val_examples",
    names.DATA_TEST_EXAMPLES: "test_examples",
    names.FAILURE_REASON: "failure_reason",
    names.OPTUNA_STATE: "optuna_state",
    names.OPTUNA_TRIAL_NUMBER: "trial_number",
    names.PARENT_RUN_ID: "parent_run_id",
}
# Final metrics the report reads; a run that lacks one gets NaN rather than a KeyError later.
EXPECTED_METRICS = (
    "test_accuracy",
    "test_top5_accuracy",
    "best_val_accuracy",
    "best_epoch",
    "train_time_s",
    "train_images_per_s",
    "inference_images_per_s",
    "latency_batch1_ms",
    "params_total",
    "flops_per_image",
    "objective",
)


@dataclass(frozen=True)
class Source:
    """What the report is about: one matrix, one study, or every matrix of an experiment."""

    kind: str  # Kind.MATRIX | Kind.STUDY | "experiment"
    name: str  # used for the output folder and the title
    experiment_ids: tuple[str, ...]
    parent_run_ids: tuple[str, ...]  # parents whose children are read
    artifact_run_id: str | None  # where the report files are logged
    parent_tags: dict[str, str]


def check_store(uri: str) -> None:
    """A SQLite store that does not exist is an error, not a silently created empty store."""
    if uri.startswith("sqlite:///"):
        path = Path(uri[len("sqlite:///") :].split("?")[0])
        if not path.exists():
            raise StoreNotFoundError(
                f"No tracking store at {path}. Run `vitbench run` first or pass --tracking-uri."
            )


def _experiment_id(client: MlflowClient, name: str) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        known = sorted(e.name for e in client.search_experiments(max_results=50))
        raise ExperimentNotFoundError(
            f"Experiment {name!r} does not exist. Known experiments: {', '.join(known) or 'none'}."
        )
    return experiment.experiment_id


def search_all(
    client: MlflowClient,
    experiment_ids: Sequence[str],
    filter_string: str = "",
    order_by: list[str] | None = None,
    limit: int | None = None,
) -> list[Run]:
    """Every matching run, following page tokens (``max_results`` per page = PAGE_SIZE)."""
    runs: list[Run] = []
    token: str | None = None
    while True:
        page = client.search_runs(
            list(experiment_ids),
            filter_string=filter_string,
            run_view_type=ViewType.ACTIVE_ONLY,
            max_results=min(PAGE_SIZE, limit) if limit else PAGE_SIZE,
            order_by=order_by,
            page_token=token,
        )
        runs.extend(page)
        token = page.token
        if not token or (limit and len(runs) >= limit):
            return runs[:limit] if limit else runs


def _all_experiment_ids(client: MlflowClient) -> list[str]:
    return [e.experiment_id for e in client.search_experiments(max_results=50000)]


def _parent_source(run: Run) -> Source:
    tags = dict(run.data.tags)
    kind = tags.get(names.KIND, Kind.MATRIX)
    if kind not in (Kind.MATRIX, Kind.STUDY):
        raise RunNotFoundError(
            f"Run {run.info.run_id} is a {kind!r} run, not a matrix or study parent; "
            f"pass its parent ({tags.get(names.PARENT_RUN_ID, 'unknown')})."
        )
    name = run.info.run_name or run.info.run_id
    return Source(kind, name, (run.info.experiment_id,), (run.info.run_id,), run.info.run_id, tags)


def find_source(
    client: MlflowClient,
    *,
    experiment: str | None = None,
    run_id: str | None = None,
    study: str | None = None,
    latest: bool = False,
) -> Source:
    """Resolve the CLI selector; precedence: --run, --study, --experiment alone, --latest."""
    if run_id:
        try:
            return _parent_source(client.get_run(run_id))
        except MlflowException as err:
            raise RunNotFoundError(f"No run with id {run_id!r} in this tracking store.") from err
    if study:
        if "'" in study or "\\" in study:
            raise RunNotFoundError(
                f"Study names with quotes or backslashes are not supported: {study!r}"
            )
        ids = [_experiment_id(client, experiment)] if experiment else _all_experiment_ids(client)
        found = search_all(
            client,
            ids,
            f"{names.search_key(names.KIND)} = '{Kind.STUDY}' and "
            f"{names.search_key(names.STUDY_NAME)} = '{study}'",
            order_by=["attributes.start_time DESC"],
            limit=1,
        )
        if not found:
            raise RunNotFoundError(f"No study parent run tagged {names.STUDY_NAME}={study!r}.")
        return _parent_source(found[0])
    exp_id = _experiment_id(client, experiment or DEFAULT_EXPERIMENT)
    parents = search_all(
        client,
        [exp_id],
        f"{names.search_key(names.KIND)} = '{Kind.MATRIX}'",
        order_by=["attributes.start_time DESC"],
    )
    if experiment and not latest:
        if not parents:
            raise RunNotFoundError(f"Experiment {experiment!r} holds no matrix parent run.")
        ids = tuple(p.info.run_id for p in parents)
        return Source("experiment", f"experiment-{experiment}", (exp_id,), ids, ids[0], {})
    if not parents:
        name = experiment or DEFAULT_EXPERIMENT
        raise RunNotFoundError(f"Experiment {name!r} holds no matrix parent run.")
    return _parent_source(parents[0])


def runs_frame(runs: Iterable[Run]) -> pd.DataFrame:
    """One row per run: identity + tag columns, metrics by name, params as ``param.<key>``."""
    rows = []
    for run in runs:
        tags = run.data.tags
        row: dict[str, object] = {
            "run_id": run.info.run_id,
            "run_name": run.info.run_name,
            "status": run.info.status,
            "start_time": run.info.start_time,
            "experiment_id": run.info.experiment_id,
        }
        row.update({col: tags.get(tag) for tag, col in TAG_COLUMNS.items()})
        row.update({f"param.{k}": v for k, v in run.data.params.items()})
        row.update(run.data.metrics)
        rows.append(row)
    return tidy(pd.DataFrame(rows))


def tidy_sql(frame: pd.DataFrame) -> pd.DataFrame:
    """The SQL path's frame (tags as ``tag:<key>``) -> the same columns as :func:`runs_frame`."""
    if frame.empty:
        return frame
    for tag, col in TAG_COLUMNS.items():
        frame[col] = frame.get(f"tag:{tag}")
    frame = frame.drop(columns=[c for c in frame if c.startswith("tag:")])
    return tidy(frame.astype(object).where(frame.notna(), None).infer_objects())


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Types and defaults: missing metrics are NaN, seed/trial numbers are integers."""
    if frame.empty:
        return frame
    if "param.model.name" in frame:
        frame["model"] = frame["model"].fillna(frame["param.model.name"])
    for col in EXPECTED_METRICS:
        if col not in frame:
            frame[col] = float("nan")
    frame["seed"] = pd.to_numeric(frame["seed"], errors="coerce").astype("Int64")
    frame["trial_number"] = pd.to_numeric(frame["trial_number"], errors="coerce").astype("Int64")
    for col in ("preset", "dataset"):
        frame[col] = frame[col].fillna("?")
    return frame


def _children(client: MlflowClient, source: Source, tracking_uri: str | None) -> pd.DataFrame:
    if tracking_uri and sqlread.is_sql_uri(tracking_uri):
        raw = sqlread.children(tracking_uri, source.experiment_ids, source.parent_run_ids)
        return tidy_sql(raw)
    runs: list[Run] = []
    for parent_id in source.parent_run_ids:
        query = f"{names.search_key(names.PARENT_RUN_ID)} = '{parent_id}'"
        runs += search_all(client, source.experiment_ids, query)
    return runs_frame(runs)


def collect_runs(
    client: MlflowClient, source: Source, tracking_uri: str | None = None
) -> pd.DataFrame:
    """Children of the source's parents; in experiment mode re-run cells keep the newest copy.

    With a SQL ``tracking_uri`` the tables are read directly (see :mod:`reports.sqlread`)."""
    frame = _children(client, source, tracking_uri)
    if frame.empty:
        raise NoFinishedRunsError(f"{source.kind} {source.name!r} has no child runs.")
    frame = frame.sort_values("start_time", ascending=False, kind="stable")
    if source.kind == "experiment" and frame["config_hash"].notna().any():
        ok = frame["status"] == Status.FINISHED
        done = frame[ok]
        done = done[~done["config_hash"].duplicated() | done["config_hash"].isna()]
        frame = pd.concat([done, frame[~ok]])
    if not (frame["status"] == Status.FINISHED).any():
        raise NoFinishedRunsError(
            f"{source.kind} {source.name!r} has {len(frame)} child runs but none FINISHED; "
            "there is nothing to compare."
        )
    return frame.reset_index(drop=True)


def fetch_histories(
    client: MlflowClient,
    run_ids: Sequence[str],
    keys: Sequence[str] = ("val_accuracy", "val_loss"),
    max_workers: int = 8,
    tracking_uri: str | None = None,
) -> pd.DataFrame:
    """Per-epoch histories as long rows (run_id, key, step, value): one query on a SQL store,
    else one client call per (run, key) in a thread pool."""
    if tracking_uri and sqlread.is_sql_uri(tracking_uri):
        return sqlread.histories(tracking_uri, run_ids, keys)

    def one(job: tuple[str, str]) -> list[tuple[str, str, int, float]]:
        run_id, key = job
        return [(run_id, key, m.step, m.value) for m in client.get_metric_history(run_id, key)]

    jobs = [(r, k) for r in run_ids for k in keys]
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        rows = [row for part in pool.map(one, jobs) for row in part]
    return pd.DataFrame(rows, columns=["run_id", "key", "step", "value"])
