"""`vitbench models`: every preset's model(s) with parameter counts, analytic FLOPs and the
preset's description.

TensorFlow-free and quick: counts come from `benchmark.models.cost` (the one formula, also what
every run logs; pinned to freshly built Keras models by tests), never from building a model.
"""

from __future__ import annotations

import click

from benchmark.cli.formats import emit
from benchmark.config import (
    input_size,
    load_preset,
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


def preset_rows() -> list[dict]:
    from benchmark.models.cost import model_cost

    rows = []
    for name in preset_names():
        preset = load_preset(name)
        for model_name in preset.default_models():
            config = resolve_config(preset, model_name)
            channels, classes, size = 3, None, None
            if reads_path(config):  # a user preset on own data: its size and classes are read
                from benchmark.data.loading import load_dataset  # deferred: reads the files

                data = load_dataset(config.data)
                channels, classes, size = data.channels, data.num_classes, data.image_size
            cost = model_cost(config, channels, classes, size)
            counts, flops = cost.param_counts(), cost.flops
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
