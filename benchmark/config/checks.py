"""Cross-field checks: impossible combinations fail at load time, naming the field.

Each rule is written once here; `loading.from_dict` runs them on every config it builds, and
the study spaces (`studies.space`) run the model-shape rules on every value they may suggest.
"""

from __future__ import annotations

from benchmark.config.derived import (
    input_size,
    reads_path,
    resolved_attention,
    resolved_tokenizer,
)
from benchmark.config.registry import DATASETS
from benchmark.config.schema import RunConfig
from benchmark.errors import ConfigError


def _positive(path: str, value: float | int | None) -> None:
    if value is not None and value <= 0:
        raise ConfigError(f"{path}: must be > 0, got {value}")


def _fraction(path: str, value: float, allow_zero: bool = False) -> None:
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value < 1):
        raise ConfigError(f"{path}: must be in {'[0' if allow_zero else '(0'}, 1), got {value}")


def _check_own_data(config: RunConfig) -> None:
    d = config.data
    own = [name for name, info in DATASETS.items() if info.reads_path]
    if reads_path(config) and not d.path:
        raise ConfigError(
            f"data.path: required for data.dataset={d.dataset} "
            "(an image folder DIR/<class>/* or DIR/train|test/<class>/*, or a .npz file); "
            f"e.g. --set data.path=/data/my-images"
        )
    if not reads_path(config):
        for key, value in (("path", d.path), ("source_digest", d.source_digest)):
            if value is not None:
                raise ConfigError(
                    f"data.{key}: only {', '.join(own)} read a path, not {d.dataset}; to mix "
                    "datasets in one matrix give the path per dataset in the experiment file: "
                    "datasets: [digits, {dataset: folder, path: DIR}]"
                )


def check_image_size(config: RunConfig, size: int) -> None:
    """The patch size must tile the image the model sees; own data calls this once loaded."""
    check_patch_size(config.model.patch_size, size)


def check_patch_size(patch_size: int, image_size: int) -> None:
    if patch_size <= 0 or image_size % patch_size:
        raise ConfigError(
            f"model.patch_size: {patch_size} does not divide the image size {image_size} "
            f"(data.image_size); choose a divisor of {image_size}"
        )


def check_shifted_patch(tokenizer: str, patch_size: int) -> None:
    """Shifted patches move the image by half a patch, so a patch needs two pixels."""
    if tokenizer == "shifted_patch" and patch_size < 2:
        raise ConfigError("model.patch_size: shifted patch tokenization needs patch_size >= 2")


def check_heads(hidden_dim: int, num_heads: int, key_dim: int | None, attention: str) -> None:
    """Heads split the width unless `key_dim` sets the head width (external always splits)."""
    if num_heads <= 0:
        raise ConfigError(f"model.num_heads: must be > 0, got {num_heads}")
    if key_dim is None and hidden_dim % num_heads:
        raise ConfigError(
            f"model.num_heads: {num_heads} heads do not divide model.hidden_dim {hidden_dim}"
        )
    if attention == "external" and hidden_dim % num_heads:
        raise ConfigError(
            f"model.num_heads: {num_heads} heads do not divide model.hidden_dim "
            f"{hidden_dim} (external attention)"
        )


def check_dim_coefficient(hidden_dim: int, dim_coefficient: int, attention: str) -> None:
    """External attention keeps hidden_dim // dim_coefficient memory units."""
    if attention == "external" and (dim_coefficient <= 0 or hidden_dim % dim_coefficient):
        raise ConfigError(
            f"model.dim_coefficient: {dim_coefficient} does not divide model.hidden_dim "
            f"{hidden_dim}; external attention keeps hidden_dim // dim_coefficient "
            "memory units"
        )


def validate(config: RunConfig) -> None:
    """Raise ConfigError for the first impossible setting."""
    m, d, t, a = config.model, config.data, config.train, config.augment
    for path, value in [
        ("train.epochs", t.epochs),
        ("train.batch_size", t.batch_size),
        ("train.learning_rate", t.learning_rate),
        ("model.patch_size", m.patch_size),
        ("model.hidden_dim", m.hidden_dim),
        ("model.depth", m.depth),
        ("model.num_heads", m.num_heads),
        ("model.key_dim", m.key_dim),
        ("model.mlp_dim", m.mlp_dim),
        ("model.dim_coefficient", m.dim_coefficient),
        ("data.image_size", d.image_size),
        ("data.max_train_examples", d.max_train_examples),
        ("data.synthetic_examples", d.synthetic_examples),
        ("data.synthetic_size", d.synthetic_size),
    ]:
        _positive(path, value)
    if t.weight_decay < 0:
        raise ConfigError(f"train.weight_decay: must be >= 0, got {t.weight_decay}")
    for path, value in [
        ("model.attention_dropout_rate", m.attention_dropout_rate),
        ("model.projection_dropout_rate", m.projection_dropout_rate),
        ("model.mlp_dropout_rate", m.mlp_dropout_rate),
        ("model.head_dropout_rate", m.head_dropout_rate),
        ("train.label_smoothing", t.label_smoothing),
        ("train.warmup_fraction", t.warmup_fraction),
        ("augment.rotation_factor", a.rotation_factor),
        ("augment.zoom_factor", a.zoom_factor),
        ("augment.contrast_factor", a.contrast_factor),
    ]:
        _fraction(path, value, allow_zero=True)
    _fraction("data.validation_fraction", d.validation_fraction)
    _fraction("data.test_fraction", d.test_fraction)
    if d.synthetic_classes < 2:
        raise ConfigError(f"data.synthetic_classes: must be >= 2, got {d.synthetic_classes}")
    for i, units in enumerate(m.head_units):
        _positive(f"model.head_units[{i}]", units)

    if t.jit_compile == "true" and t.op_determinism and t.backend == "tensorflow":
        raise ConfigError(
            "train.jit_compile: 'true' (XLA) cannot run with train.op_determinism=true "
            "(TensorFlow disables XLA under op determinism); set train.op_determinism=false "
            "or train.jit_compile to 'auto' or 'false'"
        )

    _check_own_data(config)
    if not reads_path(config) or d.image_size is not None:
        check_image_size(config, input_size(config))  # own data at native size: after loading
    attention = resolved_attention(config)
    check_shifted_patch(resolved_tokenizer(config), m.patch_size)
    check_heads(m.hidden_dim, m.num_heads, m.key_dim, attention)
    check_dim_coefficient(m.hidden_dim, m.dim_coefficient, attention)
