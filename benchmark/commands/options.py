"""Parsing helpers shared by subcommands: comma lists, `--set`, experiment files."""

from __future__ import annotations

import signal
from typing import Any

from benchmark.config import ConfigError, deep_merge, load_yaml_keys, parse_override


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


def overrides_from(settings: tuple[str, ...]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for text in settings:
        merged = deep_merge(merged, parse_override(text))
    return merged


EXPERIMENT_KEYS = {"preset", "presets", "models", "seeds", "datasets", "experiment", "overrides"}


def load_experiment(path: str) -> dict[str, Any]:
    """An experiment file: which presets x datasets x models x seeds, plus config overrides."""
    return load_yaml_keys(path, EXPERIMENT_KEYS, "experiment")


def sigterm_as_interrupt() -> None:
    """SIGTERM gets the same clean stop as Ctrl-C: the run is marked KILLED, checkpoint kept."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
