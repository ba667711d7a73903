"""`vitbench models`: every preset's model(s) with parameter counts and analytic FLOPs."""

from __future__ import annotations

import json

import click

from benchmark.config import (
    DATASETS,
    input_size,
    load_preset,
    preset_names,
    reads_path,
    resolve_config,
    resolved_attention,
    resolved_tokenizer,
)


def preset_rows() -> list[dict]:
    from benchmark.models.classifier import build_classifier
    from benchmark.models.flops import forward_flops
    from benchmark.training.loop import parameter_counts

    rows = []
    for name in preset_names():
        preset = load_preset(name)
        for model_name in preset.default_models():
            config = resolve_config(preset, model_name)
            classes = DATASETS[config.data.dataset].num_classes or config.data.synthetic_classes
            size = None
            if reads_path(config):  # a user preset on own data: its size and classes are read
                from benchmark.data.loading import load_dataset

                data = load_dataset(config.data)
                classes, size = data.num_classes, data.image_size
            model = build_classifier(config.model, input_size(config, size), 3, classes)
            counts = parameter_counts(model)
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
                    "flops_per_image": forward_flops(config, 3, classes, size),
                    "description": preset.description,
                }
            )
    return rows


@click.command(name="models")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def command(output_format: str) -> None:
    """List every preset with its model, parameter counts and forward FLOPs per image."""
    rows = preset_rows()
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="vitbench presets (parameters exclude preprocessing)")
    for column in (
        "preset",
        "model",
        "tokenizer/attention",
        "data",
        "params",
        "trainable",
        "non-trainable",
        "MFLOPs/img",
    ):
        table.add_column(column, justify="right" if column[0] in "ptnM" else "left")
    for r in rows:
        table.add_row(
            r["preset"],
            r["model"],
            f"{r['tokenizer']}/{r['attention']}",
            f"{r['dataset']} {r['image_size']}px",
            f"{r['params_total']:,}",
            f"{r['params_trainable']:,}",
            f"{r['params_non_trainable']:,}",
            f"{r['flops_per_image'] / 1e6:,.1f}",
        )
    Console().print(table)
