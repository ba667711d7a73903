"""`vitbench models`: every preset's model(s) with parameter counts, analytic FLOPs and the
preset's description.

TensorFlow-free and quick: counts come from `benchmark.models.counts` (formulas from the config,
pinned to the built Keras models by tests), never from building a model. A tokenizer or attention
without a formula yet falls back to building its model.
"""

from __future__ import annotations

import click

from benchmark.cli.formats import emit
from benchmark.config import (
    input_size,
    load_preset,
    num_classes,
    preset_names,
    reads_path,
    resolve_config,
    resolved_attention,
    resolved_tokenizer,
)

COLUMNS = {  # key -> table heading; every format has every column
    "preset": "preset",
    "model": "model",
    "tokenizer": "tokenizer",
    "attention": "attention",
    "dataset": "data",
    "image_size": "px",
    "params_total": "params",
    "params_trainable": "trainable",
    "params_non_trainable": "non-trainable",
    "flops_per_image": "MFLOPs/img",
    "description": "description",
}
NUMERIC = ("image_size", "params_total", "params_trainable", "params_non_trainable",
           "flops_per_image")  # fmt: skip


def _built_counts(config, classes: int, size: int | None = None) -> tuple[dict[str, int], int]:
    """Slow path (a variant without a formula, or own data whose size is read from the files):
    build the Keras model (imports a Keras backend)."""
    from benchmark.models.classifier import build_classifier
    from benchmark.models.flops import forward_flops
    from benchmark.training.loop import parameter_counts

    model = build_classifier(config.model, input_size(config, size), 3, classes)
    return parameter_counts(model), forward_flops(config, 3, classes, size)


def preset_rows() -> list[dict]:
    from benchmark.models.counts import has_formula, model_cost

    rows = []
    for name in preset_names():
        preset = load_preset(name)
        for model_name in preset.default_models():
            config = resolve_config(preset, model_name)
            size = None
            if reads_path(config):  # a user preset on own data: its size and classes are read
                from benchmark.data.loading import load_dataset  # deferred: reads the files

                data = load_dataset(config.data)
                classes, size = data.num_classes, data.image_size
                counts, flops = _built_counts(config, classes, size)
            elif has_formula(config):
                classes = num_classes(config)
                cost = model_cost(config, 3, classes)
                counts = {"total": cost.params, "trainable": cost.params, "non_trainable": 0}
                flops = cost.flops
            else:
                classes = num_classes(config)
                counts, flops = _built_counts(config, classes)
            rows.append(
                {
                    "preset": name,
                    "model": model_name,
                    "tokenizer": resolved_tokenizer(config),
                    "attention": resolved_attention(config),
                    "dataset": config.data.dataset,
                    "image_size": input_size(config, size),
                    "params_total": counts["total"],
                    "params_trainable": counts["trainable"],
                    "params_non_trainable": counts["non_trainable"],
                    "flops_per_image": flops,
                    "description": preset.description,
                }
            )
    return rows


def _display(row: dict) -> dict:
    shown = dict(row)
    for key in ("params_total", "params_trainable", "params_non_trainable"):
        shown[key] = f"{row[key]:,}"
    shown["flops_per_image"] = f"{row['flops_per_image'] / 1e6:,.1f}"
    return shown


@click.command(name="models")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "md", "csv"]),
    default="table",
    show_default=True,
    help="table (for people), json / md / csv (complete, never truncated).",
)
def command(output_format: str) -> None:
    """List every preset with its model, parameter counts, forward FLOPs per image and purpose.

    Parameters exclude preprocessing (the Normalization layer adds 2 x channels + 1 statistics).
    """
    rows = preset_rows()
    emit([_display(r) for r in rows], COLUMNS, output_format, title="vitbench presets",
         numeric=NUMERIC, wrap=("description",), raw=rows)  # fmt: skip
