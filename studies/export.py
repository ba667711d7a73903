"""`--export-best NAME`: the best trial's resolved config as a user preset.

The preset is plain data in `$VITBENCH_HOME/presets/NAME.yaml` (same format as the built-in
`benchmark/config/presets/*.yaml`), so `vitbench run --preset NAME` reruns the winner, e.g. over
more seeds, without the study.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from benchmark import paths
from benchmark.config import (
    ConfigError,
    RunConfig,
    deep_merge,
    resolve_config,
    to_dict,
)

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def preset_document(config: RunConfig, description: str) -> dict:
    data = to_dict(config)
    seed = data.pop("seed")
    data.pop("preset")
    return {
        "description": description,
        "model": config.model.name,
        "models": [config.model.name],
        "seeds": [seed],
        "config": data,
    }


def write_preset(
    name: str, config: RunConfig, description: str, folder: Path | None = None
) -> Path:
    """Write `NAME.yaml` into the first user preset folder; returns its path."""
    if not NAME_PATTERN.match(name):
        raise ConfigError(
            f"--export-best: {name!r} is not a valid preset name (letters, digits, _.-)"
        )
    folder = folder or paths.presets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    header = f"# Exported by `vitbench study --export-best {name}`: {description}\n"
    path.write_text(header + yaml.safe_dump(preset_document(config, description), sort_keys=False))
    return path


def best_config(study, preset, model: str, seed: int, overrides: dict, space) -> RunConfig:
    """Rebuild the best trial's config exactly as the objective built it."""

    if len(study.directions) > 1:
        raise ConfigError(
            "--export-best needs a single-objective study (a Pareto front has no best)"
        )
    completed = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if not completed:
        raise ConfigError("--export-best: the study has no COMPLETE trial yet")
    best = study.best_trial
    values = {p.name: best.params[p.name] for p in space.params if p.name in best.params}
    return resolve_config(preset, model, seed, deep_merge(overrides, space.overrides(values)))
