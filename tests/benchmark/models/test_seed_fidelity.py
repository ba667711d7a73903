"""The seed presets have the seeds' parameter counts.

The small-dataset ViT counts are not hard-coded: the keras-io "ViT on small-scale datasets"
vanilla model is rebuilt here from its own layer stack (/work/shared/seeds/004_*.txt) and counted
by Keras. Preprocessing (Normalization, Resizing, augmentation) is excluded on both sides.
"""

from __future__ import annotations

import json

import keras
import pytest
from click.testing import CliRunner
from keras import layers, ops

from benchmark.cli.main import cli

IMAGE_SIZE, PATCH_SIZE, PROJECTION_DIM, NUM_HEADS, DEPTH = 72, 6, 64, 4, 8
NUM_PATCHES = (IMAGE_SIZE // PATCH_SIZE) ** 2  # 144
NUM_CLASSES = 100


@pytest.fixture(scope="module")
def preset_rows(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """`vitbench models --format json`, run from an empty folder (no user presets)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp("cwd"))
        mp.delenv("VITBENCH_PRESET_PATH", raising=False)
        result = CliRunner().invoke(cli, ["models", "--format", "json"])
    assert result.exit_code == 0, result.output
    return {(row["preset"], row["model"]): row for row in json.loads(result.output)}


class _SeedPatchEncoder(layers.Layer):
    """The seed's PatchEncoder: Embedding(num_patches, projection_dim) added to the tokens."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.position_embedding = layers.Embedding(NUM_PATCHES, PROJECTION_DIM)

    def call(self, tokens):
        return tokens + self.position_embedding(ops.arange(NUM_PATCHES))


def _seed_mlp(x, hidden_units, dropout_rate):
    for units in hidden_units:
        x = layers.Dense(units, activation="gelu")(x)
        x = layers.Dropout(dropout_rate)(x)
    return x


def seed_vanilla_vit() -> keras.Model:
    """create_vit_classifier(vanilla=True) without its data_augmentation (preprocessing)."""
    inputs = keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 3))
    # ShiftedPatchTokenization(vanilla=True): extract patches + Dense (its LayerNorm is unused).
    patches = layers.Lambda(lambda t: ops.image.extract_patches(t, PATCH_SIZE))(inputs)
    patches = layers.Reshape((NUM_PATCHES, -1))(patches)
    encoded = _SeedPatchEncoder()(layers.Dense(PROJECTION_DIM)(patches))
    for _ in range(DEPTH):
        x1 = layers.LayerNormalization(epsilon=1e-6)(encoded)
        attention = layers.MultiHeadAttention(NUM_HEADS, key_dim=PROJECTION_DIM, dropout=0.1)(
            x1, x1
        )
        x2 = layers.Add()([attention, encoded])
        x3 = layers.LayerNormalization(epsilon=1e-6)(x2)
        x3 = _seed_mlp(x3, [PROJECTION_DIM * 2, PROJECTION_DIM], 0.1)
        encoded = layers.Add()([x3, x2])
    representation = layers.LayerNormalization(epsilon=1e-6)(encoded)
    representation = layers.Dropout(0.5)(layers.Flatten()(representation))
    features = _seed_mlp(representation, [2048, 1024], 0.5)
    return keras.Model(inputs, layers.Dense(NUM_CLASSES)(features))


@pytest.fixture(scope="module")
def seed_vanilla_count() -> int:
    return seed_vanilla_vit().count_params()


def test_keras_io_eanet_presets_match_the_published_counts(preset_rows):
    assert preset_rows[("keras-io-eanet", "eanet")]["params_total"] == 361_380
    assert preset_rows[("keras-io-vit-selfattn", "vit")]["params_total"] == 623_268


def test_vit_small_ds_matches_the_seed_vanilla_model(preset_rows, seed_vanilla_count):
    ours = preset_rows[("keras-io-vit-small-ds", "vit")]
    print(f"keras-io-vit-small-ds: ours {ours['params_total']:,}, seed {seed_vanilla_count:,}")
    assert ours["image_size"] == IMAGE_SIZE
    assert ours["params_total"] == seed_vanilla_count


def test_vit_sl_small_ds_matches_the_seed_count(preset_rows, seed_vanilla_count):
    """The seed's ViT-SL differs from its vanilla ViT only in: the SPT projection reads
    5 stacked images (540 inputs instead of 108), SPT's LayerNorm(540) is used, and each of the
    8 LSA layers adds one temperature."""
    flat_vanilla = PATCH_SIZE * PATCH_SIZE * 3  # 108
    flat_shifted = 5 * flat_vanilla  # 540
    seed_vit_sl = (
        seed_vanilla_count
        + (flat_shifted * PROJECTION_DIM + PROJECTION_DIM)
        - (flat_vanilla * PROJECTION_DIM + PROJECTION_DIM)
        + 2 * flat_shifted  # LayerNorm(540): gamma + beta
        + DEPTH  # one temperature per LSA layer
    )
    ours = preset_rows[("keras-io-vit-sl-small-ds", "vit_sl")]
    print(f"keras-io-vit-sl-small-ds: ours {ours['params_total']:,}, seed {seed_vit_sl:,}")
    assert ours["params_total"] == seed_vit_sl


def test_every_seed_preset_is_listed_with_its_model(preset_rows):
    from benchmark.config.presets import SEED_PRESETS, load_preset

    for name in SEED_PRESETS:
        model = load_preset(name).model
        row = preset_rows[(name, model)]
        assert row["params_non_trainable"] == 0
        assert row["flops_per_image"] > 0
