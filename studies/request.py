"""What one `vitbench study` invocation asks for: flags over an optional STUDY.yaml, resolved.

Resolving validates everything (preset, base config, search space) before any store is touched,
and worker processes get the same flags as one `--request` JSON object (`cli.options`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmark.config import (
    ConfigError,
    Preset,
    RunConfig,
    deep_merge,
    load_preset,
    load_yaml_keys,
    overrides_from,
    resolve_config,
)
from benchmark.paths import DEFAULT_EXPERIMENT
from reports.names import STUDY_BASE_CONFIG_HASH, STUDY_MODEL, STUDY_PRESET, STUDY_SPACE
from studies.metrics import metric_names
from studies.runner import StudySettings
from studies.space import SearchSpace, load_space
from studies.storage import storage_url

STUDY_KEYS = {
    "model", "preset", "trials", "space", "overrides", "study_name", "storage", "timeout",
    "pruner", "multi_objective", "cost", "sampler_seed", "seed", "experiment", "workers",
}  # fmt: skip


def load_study_file(path: str | None) -> dict[str, Any]:
    """STUDY.yaml: the same keys as the flags (snake_case), plus `overrides` and inline `space`."""
    if not path:
        return {}
    return load_yaml_keys(path, STUDY_KEYS, "study")


@dataclass
class StudyRequest:
    study_file: str | None
    model: str
    preset: Preset
    seed: int
    overrides: dict[str, Any]
    base: RunConfig
    space_source: Any
    space: SearchSpace
    workers: int
    multi: bool
    cost: str
    settings: StudySettings
    tracking_uri: str | None
    experiment: str
    export_best: str | None
    heartbeat_interval: int | None
    grace_period: int | None

    @classmethod
    def resolve(cls, flags: dict[str, Any]) -> StudyRequest:

        spec = load_study_file(flags["study_file"])

        def pick(key: str, default: Any = None) -> Any:
            return flags[key] if flags.get(key) is not None else spec.get(key, default)

        model = pick("model")
        if not model:
            raise ConfigError("--model: required (eanet, vit or vit_sl), as a flag or in the file")
        trials = pick("trials")
        if trials is None or int(trials) <= 0:
            raise ConfigError(f"--trials: give a positive number of trials, got {trials}")
        workers = int(pick("workers", 1))
        if workers <= 0:
            raise ConfigError(f"--workers: must be >= 1, got {workers}")
        preset = load_preset(pick("preset", "demo"))
        seed = int(pick("seed", 0))
        overrides = deep_merge(spec.get("overrides") or {}, overrides_from(flags["settings"]))
        base = resolve_config(preset, model, seed, overrides)  # validates the base config
        space_source = pick("space")
        space = load_space(space_source, base)
        multi = bool(flags.get("multi_objective") or spec.get("multi_objective", False))
        cost = pick("cost", "params")
        name = pick("study_name") or f"{model}-{preset.name}" + (f"-mo-{cost}" if multi else "")
        settings = StudySettings(
            study_name=name,
            storage_url=storage_url(pick("storage")),
            directions=("maximize", "minimize") if multi else ("maximize",),
            pruner=pick("pruner", "median"),
            prune_below=flags.get("prune_below"),
            sampler_seed=int(pick("sampler_seed", 0)),
            n_trials=int(trials),
            timeout=pick("timeout"),
            metric_names=metric_names(multi, cost),
        )
        return cls(
            study_file=flags["study_file"], model=model, preset=preset, seed=seed,
            overrides=overrides, base=base, space_source=space_source, space=space,
            workers=workers, multi=multi, cost=cost, settings=settings,
            tracking_uri=flags.get("tracking_uri"),
            experiment=pick("experiment", DEFAULT_EXPERIMENT),
            export_best=flags.get("export_best"),
            heartbeat_interval=flags.get("heartbeat_interval"),
            grace_period=flags.get("grace_period"),
        )  # fmt: skip

    def identity(self) -> dict[str, str]:
        """What a study name is bound to (checked on resume)."""
        return {
            STUDY_MODEL: self.model,
            STUDY_PRESET: self.preset.name,
            STUDY_BASE_CONFIG_HASH: self.base.config_hash(),
            STUDY_SPACE: self.space.digest(),
        }
