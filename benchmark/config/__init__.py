"""One resolved, validated config per run: schema, registry, cross-field checks, presets.

The names below are the package's public face; the modules say where each concept lives.
"""

from benchmark.config.derived import (
    dataset_label,
    input_size,
    key_dim,
    num_classes,
    num_tokens,
    reads_path,
    resolved_attention,
    resolved_tokenizer,
)
from benchmark.config.loading import (
    from_dict,
    load_experiment,
    load_yaml_file,
    load_yaml_keys,
    overrides_from,
    parse_override,
    with_changes,
)
from benchmark.config.presets import Preset, load_preset, preset_names, resolve_config
from benchmark.config.registry import ATTENTIONS, BACKENDS, CHOICES, DATASETS, MODELS, TOKENIZERS
from benchmark.config.schema import (
    AugmentConfig,
    DataConfig,
    ModelConfig,
    RunConfig,
    TrainConfig,
    deep_merge,
    flatten,
    to_dict,
)
from benchmark.errors import ConfigError, close_match_hint

__all__ = [
    "ATTENTIONS",
    "BACKENDS",
    "CHOICES",
    "DATASETS",
    "MODELS",
    "TOKENIZERS",
    "AugmentConfig",
    "ConfigError",
    "DataConfig",
    "ModelConfig",
    "Preset",
    "RunConfig",
    "TrainConfig",
    "close_match_hint",
    "dataset_label",
    "deep_merge",
    "flatten",
    "from_dict",
    "input_size",
    "key_dim",
    "load_experiment",
    "load_preset",
    "load_yaml_file",
    "load_yaml_keys",
    "num_classes",
    "num_tokens",
    "overrides_from",
    "parse_override",
    "preset_names",
    "reads_path",
    "resolve_config",
    "resolved_attention",
    "resolved_tokenizer",
    "to_dict",
    "with_changes",
]
