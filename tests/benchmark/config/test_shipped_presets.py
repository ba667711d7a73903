"""Every shipped preset trains with the fixed contrast order (contrast on raw pixels, before
normalisation), unless the preset says it exists to study the seed's order."""

from __future__ import annotations

import pytest

from benchmark.config import MODELS, load_preset, resolve_config
from benchmark.config.presets import BUILTIN_DIR

SHIPPED = sorted(path.stem for path in BUILTIN_DIR.glob("*.yaml"))
SEED_ORDER_FLAG = "studies_seed_contrast_order"  # `extra:` key of a preset made for that study


def test_presets_are_shipped():
    assert {"demo", "smoke", "keras-io-eanet"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_preset_uses_the_fixed_contrast_order(name):
    preset = load_preset(name)
    expected = (
        "after_normalization" if preset.extra.get(SEED_ORDER_FLAG) else "before_normalization"
    )
    for model in preset.default_models():
        assert model in MODELS
        config = resolve_config(preset, model)
        assert config.augment.contrast_position == expected, (name, model)
