"""Config from files and flags: YAML files, `--set key=value`, experiment files, validation.

`from_dict` is the one entry point that turns plain data into a checked RunConfig (field types in
`schema`, cross-field rules in `checks`).
"""

from __future__ import annotations

from typing import Any

import yaml

from benchmark.config.checks import validate
from benchmark.config.schema import RunConfig, build_unchecked, deep_merge, to_dict
from benchmark.errors import ConfigError

EXPERIMENT_KEYS = {
    "preset", "presets", "models", "seeds", "datasets", "backends", "experiment", "overrides",
}  # fmt: skip


def from_dict(data: dict[str, Any]) -> RunConfig:
    """Build and validate a RunConfig from nested plain data."""
    config = build_unchecked(data)
    validate(config)
    return config


def with_changes(config: RunConfig, **changes: Any) -> RunConfig:
    """A copy of `config` with nested changes merged in, validated again."""
    return from_dict(deep_merge(to_dict(config), changes))


def parse_override(text: str) -> dict[str, Any]:
    """`model.num_heads=8` -> {"model": {"num_heads": 8}}; the value is parsed as YAML."""
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected key=value, e.g. train.epochs=5")
    key, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise ConfigError(f"--set {key}: cannot parse value {raw!r}: {exc}") from None
    nested: dict[str, Any] = {}
    cursor = nested
    parts = key.strip().split(".")
    for part in parts[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[parts[-1]] = value
    return nested


def load_yaml_file(path: str) -> dict[str, Any]:
    """Read a YAML mapping; syntax errors are reported as file:line."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise ConfigError(f"{where}: YAML syntax error: {exc.problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a YAML mapping at the top level")
    return data


def load_yaml_keys(path: str, allowed: set[str], kind: str) -> dict[str, Any]:
    """A YAML mapping whose top-level keys must come from `allowed` (experiment, study files)."""
    data = load_yaml_file(path)
    unknown = set(data) - allowed
    if unknown:
        raise ConfigError(
            f"{path}: unknown {kind} keys {sorted(unknown)}; allowed: {sorted(allowed)}"
        )
    return data


def overrides_from(settings: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Every `--set` of a command line, merged in order (a later key wins)."""
    merged: dict[str, Any] = {}
    for text in settings:
        merged = deep_merge(merged, parse_override(text))
    return merged


def load_experiment(path: str) -> dict[str, Any]:
    """An experiment file: which presets x datasets x models x seeds, plus config overrides."""
    return load_yaml_keys(path, EXPERIMENT_KEYS, "experiment")
