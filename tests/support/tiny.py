"""The shared shrunk config of in-process training tests: the `smoke` preset (16 px synthetic
images, width 32, one block) cut to 96 examples, so a cell trains in about a second. A test adds
only the keys its promise is about."""

from __future__ import annotations

from typing import Any

from benchmark.config import RunConfig, deep_merge, resolve_config

TINY_OVERRIDES: dict[str, Any] = {"data": {"synthetic_examples": 96}}


def tiny_config(
    model: str = "vit", seed: int = 0, overrides: dict[str, Any] | None = None
) -> RunConfig:
    """`smoke` shrunk to TINY_OVERRIDES, then `overrides` (nested, like a preset's)."""
    return resolve_config("smoke", model, seed, deep_merge(TINY_OVERRIDES, overrides or {}))
