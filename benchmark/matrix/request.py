"""What one `vitbench run` asks for, as data: the flags as parsed, one JSON document for local
workers and Slurm tasks (`vitbench run --request JSON`), so no flag list is kept by hand.

`resolve()` turns it into the planned cells: CLI flags over the experiment file, and no file
and no flags = the demo experiment.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, fields
from typing import Any

from benchmark import paths
from benchmark.config import deep_merge, load_experiment, overrides_from
from benchmark.errors import ConfigError
from benchmark.matrix.plan import Cell, plan_cells


def comma_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def int_list(value: str | None, option: str) -> list[int] | None:
    items = comma_list(value)
    if items is None:
        return None
    try:
        return [int(v) for v in items]
    except ValueError:
        raise ConfigError(f"{option}: expected comma-separated integers, got {value!r}") from None


@dataclass(frozen=True)
class MatrixRequest:
    """The `vitbench run` flags, one field each (a test keeps them equal to the command's)."""

    experiment_file: str | None = None
    models: str | None = None
    seeds: str | None = None
    preset: str | None = None
    dataset: str | None = None
    epochs: int | None = None
    backend: str | None = None
    settings: tuple[str, ...] = ()
    tracking_uri: str | None = None
    experiment_name: str | None = None
    workers: int | None = None
    storage: str | None = None
    checkpoint_uri: str | None = None
    dry_run: bool = False
    quiet: bool = False

    @classmethod
    def from_flags(cls, flags: dict[str, Any]) -> MatrixRequest:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(flags) - known)
        if unknown:
            raise ConfigError(f"request: unknown field(s) {unknown}; known: {sorted(known)}")
        values = dict(flags)
        values["settings"] = tuple(values.get("settings") or ())
        request = cls(**values)
        if request.epochs is not None and request.epochs <= 0:
            raise ConfigError(f"--epochs: must be > 0, got {request.epochs}")
        return request

    @classmethod
    def from_json(cls, text: str) -> MatrixRequest:
        try:
            values = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--request: not JSON ({exc})") from None
        return cls.from_flags(values)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    def for_worker(self, storage: str, tracking_uri: str | None = None) -> MatrixRequest:
        """The same matrix for one more worker on the same queue (and tracking server)."""
        return dataclasses.replace(
            self, workers=1, storage=storage, dry_run=False,
            tracking_uri=tracking_uri or self.tracking_uri,
        )  # fmt: skip

    def resolve(self) -> ResolvedMatrix:
        """Flags over the experiment file; validated config for every cell."""
        spec = load_experiment(self.experiment_file) if self.experiment_file else {}
        if self.preset:
            presets = comma_list(self.preset)
        elif spec.get("presets"):
            presets = list(spec["presets"])
        else:
            presets = [spec.get("preset") or "demo"]
        models = comma_list(self.models) if self.models is not None else spec.get("models")
        seeds = int_list(self.seeds, "--seeds") if self.seeds is not None else spec.get("seeds")
        datasets = comma_list(self.dataset) if self.dataset else spec.get("datasets")
        overrides = deep_merge(spec.get("overrides") or {}, overrides_from(self.settings))
        if self.epochs is not None:
            overrides = deep_merge(overrides, {"train": {"epochs": self.epochs}})
        backends = comma_list(self.backend) if self.backend else spec.get("backends")
        cells = plan_cells(presets, models, seeds, datasets, overrides, backends)
        experiment = self.experiment_name or spec.get("experiment") or paths.DEFAULT_EXPERIMENT
        return ResolvedMatrix(presets, cells, experiment)


@dataclass(frozen=True)
class ResolvedMatrix:
    presets: list[str]
    cells: list[Cell]
    experiment: str
