"""The matrix plan: cells = presets x datasets x models x seeds, each a validated RunConfig.

A cell's identity is the hash of its flattened config; the matrix's is the hash of its cells.
Every cell is validated here, before any run is created.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchmark.config import (
    MODELS,
    RunConfig,
    close_match_hint,
    deep_merge,
    load_preset,
    resolve_config,
)
from benchmark.errors import ConfigError


@dataclass(frozen=True)
class Cell:
    config: RunConfig

    @property
    def key(self) -> str:
        return self.config.config_hash()

    @property
    def label(self) -> str:
        c = self.config
        data = f"{c.data.dataset}:{c.data.path}" if c.data.path else c.data.dataset
        label = f"{c.model.name} seed={c.seed} preset={c.preset} data={data}"
        return label if c.train.backend == "tensorflow" else f"{label} backend={c.train.backend}"


def plan_cells(
    presets: Sequence[str],
    models: Sequence[str] | None,
    seeds: Sequence[int] | None,
    datasets: Sequence[str | dict[str, Any]] | None = None,
    overrides: dict[str, Any] | None = None,
    backends: Sequence[str] | None = None,
) -> list[Cell]:
    """Validate every cell's config before any run is created.

    A `datasets` entry is a dataset key or a mapping of `data` settings, e.g.
    `{dataset: folder, path: DIR, image_size: 32}`, so one matrix can mix built-in and own data.
    `backends` is a matrix axis too (experiment files: `backends: [tensorflow, jax]`); None keeps
    the config's backend.
    """
    if seeds is not None and len(seeds) == 0:
        raise ConfigError("--seeds: the seed list is empty; give at least one seed, e.g. 0,1")
    if models is not None and len(models) == 0:
        raise ConfigError(f"--models: the model list is empty; allowed: {', '.join(MODELS)}")
    cells: list[Cell] = []
    for preset_name in presets:
        preset = load_preset(preset_name)
        for dataset in datasets or [None]:
            extra = deep_merge(overrides or {}, _data_settings(dataset))
            for model in models or preset.default_models():
                if model not in MODELS:
                    raise ConfigError(
                        f"unknown model {model!r}; allowed: {', '.join(MODELS)}."
                        + close_match_hint(model, MODELS)
                    )
                for seed in seeds if seeds is not None else preset.default_seeds():
                    for backend in backends or [None]:
                        axis = {"train": {"backend": backend}} if backend else {}
                        config = resolve_config(preset, model, seed, deep_merge(extra, axis))
                        cells.append(Cell(config))
    return cells


def _data_settings(dataset: str | dict[str, Any] | None) -> dict[str, Any]:
    if dataset is None:
        return {}
    if isinstance(dataset, dict):
        return {"data": dict(dataset)}
    if isinstance(dataset, str):
        return {"data": {"dataset": dataset}}
    raise ConfigError(
        f"datasets: expected a dataset key or a mapping of data settings, got {dataset!r}"
    )


def matrix_hash(cells: Sequence[Cell]) -> str:
    return hashlib.sha256(",".join(sorted(c.key for c in cells)).encode()).hexdigest()[:16]
