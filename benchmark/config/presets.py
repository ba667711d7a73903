"""Named configs as data: YAML files in `presets/` (built in) and in user preset folders.

A preset holds a partial config (merged over the RunConfig defaults) and, optionally, the models
and seeds its matrix runs by default. User presets (e.g. a study's best trial, exported with
`vitbench study --export-best NAME`) live in `$VITBENCH_HOME/presets/` (default
`.vitbench/presets/`) or `$VITBENCH_PRESET_PATH`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmark import environment, paths
from benchmark.config.loading import from_dict, load_yaml_file
from benchmark.config.registry import MODELS
from benchmark.config.schema import RunConfig, deep_merge
from benchmark.errors import ConfigError, close_match_hint

BUILTIN_DIR = Path(__file__).parent / "presets"
SEED_PRESETS = (
    "keras-io-eanet",
    "keras-io-vit-selfattn",
    "keras-io-vit-small-ds",
    "keras-io-vit-sl-small-ds",
)


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    config: dict[str, Any]
    model: str | None = None  # the model this recipe was written for (seed presets)
    models: tuple[str, ...] = ()
    seeds: tuple[int, ...] = ()
    path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def default_models(self) -> list[str]:
        if self.models:
            return list(self.models)
        return [self.model] if self.model else list(MODELS)

    def default_seeds(self) -> list[int]:
        return list(self.seeds) or [0]


def user_preset_dirs() -> list[Path]:
    dirs = [paths.presets_dir()]
    dirs += [Path(p) for p in (environment.PRESET_PATH.get() or "").split(os.pathsep) if p]
    return dirs


def _preset_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for directory in [BUILTIN_DIR, *user_preset_dirs()]:
        if directory.is_dir():
            for path in sorted(directory.glob("*.yaml")):
                found[path.stem] = path
    return found


def preset_names() -> list[str]:
    return list(_preset_files())


def load_preset(name: str) -> Preset:
    files = _preset_files()
    if name not in files:
        raise ConfigError(
            f"unknown preset {name!r}; available: {', '.join(files)}."
            + close_match_hint(name, files)
        )
    data = load_yaml_file(str(files[name]))
    unknown = set(data) - {"description", "model", "models", "seeds", "config", "extra"}
    if unknown:
        raise ConfigError(f"{files[name]}: unknown preset keys {sorted(unknown)}")
    return Preset(
        name=name,
        description=str(data.get("description", "")),
        config=data.get("config") or {},
        model=data.get("model"),
        models=tuple(data.get("models") or ()),
        seeds=tuple(int(s) for s in data.get("seeds") or ()),
        path=str(files[name]),
        extra=data.get("extra") or {},
    )


def resolve_config(
    preset: str | Preset,
    model: str | None = None,
    seed: int = 0,
    overrides: dict[str, Any] | None = None,
) -> RunConfig:
    """Preset + model + seed + overrides -> one validated RunConfig."""
    preset = preset if isinstance(preset, Preset) else load_preset(preset)
    data = deep_merge({"preset": preset.name, "seed": seed}, preset.config)
    chosen = model or preset.model
    if chosen:
        data = deep_merge(data, {"model": {"name": chosen}})
    data = deep_merge(data, overrides or {})
    return from_dict(data)
