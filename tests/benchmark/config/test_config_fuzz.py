"""Property: any config document either loads or raises the project's ConfigError with a
message; never a raw traceback from deep inside Keras, YAML or dataclasses. A config that loads
has the hash that is its identity (matrix cells, resume): sha256 over the canonical JSON of its
dotted fields, different when any one field differs, the same after a YAML round trip."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmark.config import MODELS, RunConfig, from_dict, preset_names, resolve_config
from benchmark.errors import ConfigError

SECTION_FIELDS = {
    "data": [
        "dataset",
        "image_size",
        "validation_fraction",
        "test_fraction",
        "split_seed",
        "max_train_examples",
        "synthetic_examples",
        "synthetic_classes",
        "synthetic_size",
    ],
    "augment": ["flip", "rotation_factor", "zoom_factor", "contrast_factor", "contrast_position"],
    "model": [
        "name",
        "tokenizer",
        "attention",
        "patch_size",
        "hidden_dim",
        "depth",
        "num_heads",
        "key_dim",
        "mlp_dim",
        "dim_coefficient",
        "pooling",
        "head_units",
        "attention_dropout_rate",
        "activation",
    ],
    "train": [
        "epochs",
        "batch_size",
        "learning_rate",
        "weight_decay",
        "schedule",
        "jit_compile",
        "label_smoothing",
        "op_determinism",
        "precision",
    ],
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=300),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from(["vit", "eanet", "digits", "gap", "flatten", "auto", "mhsa", "x", ""]),
    st.text(max_size=6),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=4), scalars, max_size=2),
)


@st.composite
def documents(draw):
    doc = {}
    for section, names in SECTION_FIELDS.items():
        if draw(st.booleans()):
            keys = draw(st.lists(st.sampled_from([*names, "bogus_key"]), max_size=4, unique=True))
            doc[section] = {k: draw(values) for k in keys}
        elif draw(st.integers(0, 9)) == 0:
            doc[section] = draw(scalars)
    if draw(st.booleans()):
        doc["seed"] = draw(values)
    if draw(st.integers(0, 5)) == 0:
        doc[draw(st.text(max_size=5))] = draw(values)
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_random_documents_load_or_raise_config_error(doc):
    try:
        config = from_dict(doc)
    except ConfigError as exc:
        assert str(exc), "a ConfigError must carry a message"
        return
    assert isinstance(config, RunConfig)
    check_hash(config)


def dotted_fields(config, prefix: str = "") -> dict:
    """Every leaf of the config by dotted name, written here without the project's flatten:
    sequences as comma-joined text, everything else as is."""
    out = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            out.update(dotted_fields(value, f"{prefix}{f.name}."))
        elif isinstance(value, (tuple, list)):
            out[f"{prefix}{f.name}"] = ",".join(str(v) for v in value)
        else:
            out[f"{prefix}{f.name}"] = value
    return out


def expected_hash(config) -> str:
    canonical = json.dumps(dotted_fields(config), sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def other_value(value):
    """A different value of the same kind (validity does not matter to the hash)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return math.nextafter(value, math.inf)
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, tuple):
        return (*value, 1)
    assert value is None, value
    return 1


def with_leaf_changed(config, dotted: str):
    *sections, name = dotted.split(".")
    if not sections:
        return dataclasses.replace(config, **{name: other_value(getattr(config, name))})
    (section,) = sections
    part = getattr(config, section)
    part = dataclasses.replace(part, **{name: other_value(getattr(part, name))})
    return dataclasses.replace(config, **{section: part})


def check_hash(config: RunConfig) -> None:
    digest = config.config_hash()
    assert digest == expected_hash(config)
    leaves = dotted_fields(config)
    assert set(config.flatten()) == set(leaves)
    for dotted in leaves:
        assert with_leaf_changed(config, dotted).config_hash() != digest, dotted
    reloaded = from_dict(yaml.safe_load(config.to_yaml()))
    assert reloaded == config and reloaded.config_hash() == digest


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(preset_names()),
    st.sampled_from(list(MODELS)),
    st.integers(min_value=0, max_value=2**31 - 1),
)
def test_preset_configs_hash_their_fields(preset, model, seed):
    """Valid configs from every preset, model and seed (the random documents above rarely load)."""
    check_hash(resolve_config(preset, model, seed))


def test_known_invalid_document_names_the_field():
    try:
        from_dict({"model": {"num_heads": "four"}})
    except ConfigError as exc:
        assert "model.num_heads" in str(exc)
    else:
        raise AssertionError("expected a ConfigError")


def test_non_finite_numbers_are_rejected():
    for bad in (float("nan"), float("inf")):
        try:
            from_dict({"train": {"learning_rate": bad}})
        except ConfigError as exc:
            assert "train.learning_rate" in str(exc) and "finite" in str(exc)
        else:
            raise AssertionError(f"learning_rate={bad} was accepted")
