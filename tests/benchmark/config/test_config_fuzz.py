"""Property: any config document either loads or raises the project's ConfigError with a
message; never a raw traceback from deep inside Keras, YAML or dataclasses."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmark.config import RunConfig, from_dict
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
    assert config.config_hash() == from_dict(doc).config_hash()


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
