"""Typed, frozen run configuration: one object fully describes one training run.

This module holds the shape (frozen dataclasses), the per-field type checks, flattening into
dotted MLflow params and the hash that is a matrix cell's identity. Cross-field rules live in
`checks.py`; `loading.from_dict` runs both.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any

import yaml

from benchmark.config.registry import CHOICES
from benchmark.errors import ConfigError, close_match_hint


@dataclass(frozen=True)
class DataConfig:
    """Which images, at which size, split how."""

    dataset: str = "digits"
    image_size: int | None = None  # resize to this side; None keeps the dataset's native size
    validation_fraction: float = 0.1
    test_fraction: float = 0.2  # only for datasets without an official test split
    split_seed: int = 0  # the train/validation split is the same for every run seed
    max_train_examples: int | None = None
    archive_path: str | None = None  # local CIFAR archive (cifar-100-python.tar.gz)
    archive_sha256: str | None = None  # None: the official archive's digest
    path: str | None = None  # folder / npz: the user's image folder or .npz file
    source_digest: str | None = None  # folder / npz content digest; `vitbench run` pins it
    synthetic_examples: int = 480
    synthetic_classes: int = 4
    synthetic_size: int = 16


@dataclass(frozen=True)
class AugmentConfig:
    """The ONE augmentation pipeline every model in a matrix shares."""

    flip: str = "horizontal"
    rotation_factor: float = 0.1  # fraction of a full turn, as keras.layers.RandomRotation
    zoom_factor: float = 0.2  # as keras.layers.RandomZoom(height_factor, width_factor)
    contrast_factor: float = 0.0
    contrast_position: str = "before_normalization"  # "after_normalization" = the seed's bug
    fill_mode: str = "reflect"


@dataclass(frozen=True)
class ModelConfig:
    """Architecture; tokenizer and attention default to the registry entry of `name`."""

    name: str = "vit"
    tokenizer: str | None = None
    attention: str | None = None
    patch_size: int = 4
    hidden_dim: int = 64
    depth: int = 4
    num_heads: int = 4
    key_dim: int | None = None  # None: hidden_dim // num_heads
    mlp_dim: int = 128
    activation: str = "gelu"
    mlp_output_activation: str = "none"
    dim_coefficient: int = 4  # external attention only
    attention_dropout_rate: float = 0.1
    projection_dropout_rate: float = 0.1  # external attention only
    mlp_dropout_rate: float = 0.1
    layer_norm_epsilon: float = 1e-6
    pooling: str = "gap"
    head_norm: bool = False
    head_units: tuple[int, ...] = ()
    head_dropout_rate: float = 0.0


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation budget and numerics, shared by every model in a matrix."""

    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    label_smoothing: float = 0.0
    schedule: str = "constant"
    warmup_fraction: float = 0.1
    jit_compile: str = "auto"  # "true" = XLA; TensorFlow refuses XLA under op determinism
    op_determinism: bool = True
    precision: str = "float32"  # Keras dtype policy; mixed_* for GPUs (no gain on these CPUs)
    backend: str = "tensorflow"  # Keras backend; a cell of another backend runs in a child process


@dataclass(frozen=True)
class RunConfig:
    """One fully resolved run: preset name, seed and every knob."""

    preset: str = "custom"
    seed: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def flatten(self) -> dict[str, Any]:
        """Dotted scalar params (`model.hidden_dim` -> 64), the form MLflow stores."""
        return flatten(to_dict(self))

    def config_hash(self) -> str:
        """Identity of this run: equal configs (seed included) give equal hashes."""
        canonical = json.dumps(self.flatten(), sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def to_yaml(self) -> str:
        return yaml.safe_dump(to_dict(self), sort_keys=False)


def to_dict(config: Any) -> dict[str, Any]:
    """Nested plain data (tuples become lists) for YAML and hashing."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            value = to_dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def flatten(nested: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in nested.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            out[name] = ",".join(str(v) for v in value)
        else:
            out[name] = value
    return out


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _coerce(path: str, annotation: Any, value: Any) -> Any:
    """Check one value against its field type; accept ints for floats and lists for tuples."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _coerce(path, inner, value)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{path}: expected a list, got {value!r}")
        return tuple(_coerce(f"{path}[{i}]", args[0], v) for i, v in enumerate(value))
    if annotation is bool:
        if isinstance(value, bool):
            return value
    elif annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise ConfigError(f"{path}: must be a finite number, got {value!r}")
            return float(value)
    elif annotation is str and (
        isinstance(value, (str, bool)) or (isinstance(value, (int, float)) and path in CHOICES)
    ):
        value = str(value).lower() if isinstance(value, bool) else str(value)
        allowed = CHOICES.get(path)
        if allowed is not None and value not in allowed:
            raise ConfigError(
                f"{path}: unknown value {value!r}; allowed: {', '.join(allowed)}."
                + close_match_hint(value, allowed)
            )
        return value
    type_name = getattr(annotation, "__name__", str(annotation))
    raise ConfigError(f"{path}: expected {type_name}, got {value!r} ({type(value).__name__})")


def _build(cls: type, data: Any, prefix: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix or 'config'}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in names:
            raise ConfigError(
                f"unknown config key {path!r}; allowed keys here: {', '.join(names)}."
                + close_match_hint(key, names)
            )
        annotation = hints[key]
        if dataclasses.is_dataclass(annotation):
            kwargs[key] = _build(annotation, value, f"{path}.")
        else:
            kwargs[key] = _coerce(path, annotation, value)
    return cls(**kwargs)


def build_unchecked(data: dict[str, Any]) -> RunConfig:
    """Types and keys checked, cross-field rules not yet (see `loading.from_dict`)."""
    return _build(RunConfig, data, "")
