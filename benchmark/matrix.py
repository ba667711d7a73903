"""The benchmark matrix: cells = presets x datasets x models x seeds, one MLflow child run each.

Idempotent: a cell whose config hash already has a FINISHED run in the experiment is skipped.
Resumable: a cell left RUNNING (process killed) or KILLED (SIGTERM / Ctrl-C) continues from its
last checkpointed epoch in the SAME run. A failing cell is marked FAILED with its reason and the
matrix goes on; the caller exits non-zero.
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlflow.tracking import MlflowClient

from benchmark import checkpoint, tracking
from benchmark.cell import CellTracker, lineage_tags
from benchmark.config import RunConfig, close_match_hint, deep_merge
from benchmark.errors import ConfigError, VitbenchError
from benchmark.models.registry import MODELS
from benchmark.presets import load_preset, resolve_config
from benchmark.store import checkpoint_root


@dataclass(frozen=True)
class Cell:
    config: RunConfig

    @property
    def key(self) -> str:
        return self.config.config_hash()

    @property
    def label(self) -> str:
        c = self.config
        return f"{c.model.name} seed={c.seed} preset={c.preset} data={c.data.dataset}"


@dataclass
class CellOutcome:
    cell: Cell
    status: str  # FINISHED | SKIPPED | FAILED | KILLED
    run_id: str
    metrics: dict[str, float] = field(default_factory=dict)
    reason: str = ""


@dataclass
class MatrixResult:
    parent_run_id: str
    experiment_id: str
    outcomes: list[CellOutcome]

    @property
    def failed(self) -> list[CellOutcome]:
        return [o for o in self.outcomes if o.status == "FAILED"]


def plan_cells(
    presets: Sequence[str],
    models: Sequence[str] | None,
    seeds: Sequence[int] | None,
    datasets: Sequence[str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> list[Cell]:
    """Validate every cell's config before any run is created."""
    if seeds is not None and len(seeds) == 0:
        raise ConfigError("--seeds: the seed list is empty; give at least one seed, e.g. 0,1")
    if models is not None and len(models) == 0:
        raise ConfigError(f"--models: the model list is empty; allowed: {', '.join(MODELS)}")
    cells: list[Cell] = []
    for preset_name in presets:
        preset = load_preset(preset_name)
        for dataset in datasets or [None]:
            extra = deep_merge(overrides or {}, {"data": {"dataset": dataset}} if dataset else {})
            for model in models or preset.default_models():
                if model not in MODELS:
                    raise ConfigError(
                        f"unknown model {model!r}; allowed: {', '.join(MODELS)}."
                        + close_match_hint(model, MODELS)
                    )
                for seed in seeds if seeds is not None else preset.default_seeds():
                    cells.append(Cell(resolve_config(preset, model, seed, extra)))
    return cells


def matrix_hash(cells: Sequence[Cell]) -> str:
    return hashlib.sha256(",".join(sorted(c.key for c in cells)).encode()).hexdigest()[:16]


def find_or_create_parent(
    client: MlflowClient, experiment_id: str, cells: Sequence[Cell], name: str
) -> str:
    digest = matrix_hash(cells)
    existing = tracking.find_runs(
        client, experiment_id, f"tags.`vitbench.matrix_hash` = '{digest}'"
    )
    if existing:
        run_id = existing[0].info.run_id
        client.update_run(run_id, status="RUNNING")
        return run_id
    presets = sorted({c.config.preset for c in cells})
    tags = {
        "vitbench.kind": "matrix",
        "vitbench.matrix_hash": digest,
        "vitbench.preset": ",".join(presets),
        "vitbench.cells": str(len(cells)),
        "vitbench.models": ",".join(sorted({c.config.model.name for c in cells})),
        "vitbench.seeds": ",".join(str(s) for s in sorted({c.config.seed for c in cells})),
        "git_commit": tracking.git_commit(),
    }
    return tracking.create_run(client, experiment_id, name, tags)


def _existing_cell_run(client: MlflowClient, experiment_id: str, key: str):
    runs = tracking.find_runs(
        client, experiment_id, f"tags.config_hash = '{key}' and tags.`vitbench.kind` = 'cell'"
    )
    finished = [r for r in runs if r.info.status == "FINISHED"]
    resumable = [r for r in runs if r.info.status in ("RUNNING", "KILLED")]
    return (finished[0] if finished else None), (resumable[0] if resumable else None)


def run_cell(
    client: MlflowClient,
    experiment_id: str,
    parent_run_id: str,
    cell: Cell,
    progress: Callable[[int, dict], None] | None = None,
    takeover: bool = True,
) -> CellOutcome:
    """Train one cell into its child run; never raises except on interruption.

    `takeover=False` (a queue worker that knows another live worker holds this cell) leaves a
    RUNNING run alone; the default takes a stale RUNNING/KILLED run over, as a rerun does.
    """
    from benchmark.training import train_and_evaluate

    finished, resumable = _existing_cell_run(client, experiment_id, cell.key)
    if finished is not None:
        return CellOutcome(cell, "SKIPPED", finished.info.run_id, dict(finished.data.metrics))
    if not takeover and resumable is not None and resumable.info.status == "RUNNING":
        return CellOutcome(
            cell, "SKIPPED", resumable.info.run_id, reason="running on another worker"
        )
    checkpoint_dir = checkpoint_root() / cell.key
    if resumable is not None and checkpoint.load_meta(checkpoint_dir) is not None:
        run_id = resumable.info.run_id
        client.update_run(run_id, status="RUNNING")
    else:
        if resumable is not None:  # no local state to resume from: close it, start afresh
            client.set_tag(resumable.info.run_id, "failure_reason", "worker lost; no checkpoint")
            client.set_terminated(resumable.info.run_id, "FAILED")
        checkpoint.clear(checkpoint_dir)
        name = f"{cell.config.model.name}-s{cell.config.seed}-{cell.config.preset}"
        run_id = tracking.create_run(
            client, experiment_id, name, lineage_tags(cell.config, "cell"), parent_run_id
        )
    tracker = CellTracker(client, run_id, cell.config, progress)
    try:
        result = train_and_evaluate(cell.config, tracker, checkpoint_dir)
        tracker.finish(result)
    except KeyboardInterrupt:
        tracker.fail("interrupted (SIGTERM or Ctrl-C); rerun to resume", status="KILLED")
        raise
    except Exception as exc:  # NaN loss, OOM, bad shapes: record and go on with the matrix
        reason = str(exc) if isinstance(exc, VitbenchError) else f"{type(exc).__name__}: {exc}"
        tracker.fail(reason)
        checkpoint.clear(checkpoint_dir)
        if not isinstance(exc, VitbenchError):
            traceback.print_exc()
        return CellOutcome(cell, "FAILED", run_id, reason=reason)
    checkpoint.clear(checkpoint_dir)
    return CellOutcome(cell, "FINISHED", run_id, result.final_metrics())
