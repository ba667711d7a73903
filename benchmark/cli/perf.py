"""`vitbench perf`: measure the harness against bare Keras and the seeds' formulation, in one
process with variants alternated; print medians and ratios, write JSON, optionally log to MLflow.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from benchmark import paths
from benchmark.cli.options import comma_list, flags_with_request, request_option
from benchmark.config import BACKENDS, CHOICES
from benchmark.errors import ConfigError
from benchmark.training.backends import select


@click.command(name="perf")
@click.option(
    "--models",
    default="eanet",
    show_default=True,
    help="Models for the harness-vs-bare overhead (on --preset).",
)
@click.option(
    "--preset",
    default="keras-io-eanet",
    show_default=True,
    help="Preset whose recipe the overhead jobs use.",
)
@click.option(
    "--recipes",
    default="eanet,vit-small-ds",
    show_default=True,
    help="Seed recipes timed against the keras-io formulation ('' for none).",
)
@click.option("--batch-size", type=int, default=128, show_default=True)
@click.option("--steps", type=int, default=3, show_default=True, help="Training steps per epoch.")
@click.option("--repeats", type=int, default=2, show_default=True)
@click.option(
    "--epochs",
    "measured_epochs",
    type=int,
    default=1,
    show_default=True,
    help="Timed epochs per repeat (after one warm-up epoch).",
)
@click.option(
    "--depth",
    default="2",
    show_default=True,
    help="Encoder depth for every model, labelled '*' in the table (a reduced depth "
    "keeps the default run to minutes); 'preset' = the preset's own depth.",
)
@click.option(
    "--xla/--no-xla",
    default=True,
    show_default=True,
    help="Also time the harness with XLA (train.jit_compile=true) on the overhead jobs.",
)
@click.option(
    "--stream",
    is_flag=True,
    help="Also time bare fit fed as one repeated tf.data stream (Keras' array adapter isolated).",
)
@click.option(
    "--report-runs",
    type=int,
    default=10_000,
    show_default=True,
    help="Runs in the synthetic store the report is timed on (populated once, ~30 s).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the JSON goes [default: .vitbench/perf/perf.json].",
)
@click.option(
    "--backends",
    default="tensorflow",
    show_default=True,
    help=f"Keras backends, comma-separated ({', '.join(BACKENDS)}): several are timed in turn, "
    "one child process per backend and repeat, with paired ratios to the first.",
)
@click.option(
    "--precision",
    type=click.Choice(CHOICES["train.precision"]),
    default="float32",
    show_default=True,
    help="train.precision of every variant (mixed_bfloat16 pays on GPUs, not on these CPUs).",
)
@click.option("--skip-report", is_flag=True, hidden=True, help="Do not time the report (children).")
@click.option("--log-mlflow", is_flag=True, help="Log the figures to MLflow (vitbench-perf).")
@click.option("--tracking-uri", help="MLflow URI for --log-mlflow [default: local store].")
@request_option
def command(**flags) -> None:
    """Training/inference throughput, overhead vs bare model.fit, speed-up over the seeds, MFU,
    report time. Defaults take several minutes on 2 CPU cores."""
    flags = flags_with_request(flags)
    asked = dict(flags)  # what each per-backend child is handed as its --request
    models, preset, recipes = flags["models"], flags["preset"], flags["recipes"]
    batch_size, steps, repeats = flags["batch_size"], flags["steps"], flags["repeats"]
    measured_epochs, depth, xla = flags["measured_epochs"], flags["depth"], flags["xla"]
    stream, report_runs, out = flags["stream"], flags["report_runs"], flags["out"]
    backends, precision, skip_report = flags["backends"], flags["precision"], flags["skip_report"]
    log_mlflow, tracking_uri = flags["log_mlflow"], flags["tracking_uri"]
    out = Path(out) if out is not None else None  # a --request carries it as a string

    for name, value in (("--batch-size", batch_size), ("--steps", steps), ("--repeats", repeats),
                        ("--epochs", measured_epochs), ("--report-runs", report_runs)):  # fmt: skip
        if value <= 0:
            raise ConfigError(f"{name}: must be > 0, got {value}")
    if depth == "preset":
        depth = None
    elif not depth.isdigit() or int(depth) <= 0:
        raise ConfigError(f"--depth: a positive integer or 'preset', got {depth!r}")
    else:
        depth = int(depth)

    backend_list = comma_list(backends) or []
    unknown = [b for b in backend_list if b not in BACKENDS]
    if unknown or not backend_list:
        raise ConfigError(f"--backends: unknown {unknown}; choose from {', '.join(BACKENDS)}")
    out = (out or paths.perf_root() / "perf.json").resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    if len(backend_list) > 1:
        child = {**asked, "log_mlflow": False, "out": None}
        _compare_backends(backend_list, child, repeats, out)
        return
    if not select(backend_list[0], op_determinism=True):
        raise ConfigError("--backends: this process already runs another Keras backend")

    # Deferred for start-up time (and so the backend is chosen first): the suite imports Keras.
    from benchmark.perf.suite import RECIPES, PerfSettings, run_suite
    from benchmark.perf.table import log_to_mlflow, render, write_json

    recipe_list = tuple(comma_list(recipes)) if recipes else ()
    unknown = [r for r in recipe_list if r not in RECIPES]
    if unknown:
        raise ConfigError(f"--recipes: unknown {unknown}; choose from {', '.join(RECIPES)}")
    settings = PerfSettings(
        models=tuple(comma_list(models)), preset=preset, recipes=recipe_list,
        batch_size=batch_size, steps=steps, repeats=repeats, measured_epochs=measured_epochs,
        depth=depth, xla=xla, stream=stream, report_runs=0 if skip_report else report_runs,
        precision=precision,
    )  # fmt: skip
    figures = run_suite(settings)
    write_json(figures, out)
    click.echo(render(figures))
    click.echo(f"figures: {out}")
    if log_mlflow:
        run_id = log_to_mlflow(figures, out, tracking_uri)
        click.echo(f"logged to MLflow run {run_id}")


def _compare_backends(backends: list[str], child: dict, repeats: int, out: Path) -> None:
    """Every backend in turn, one child per repeat; per-backend rows with paired ratios."""
    from benchmark.perf.backends import backend_rows, render_rows, run_alternated

    rounds = run_alternated(backends, child, repeats)
    rows = backend_rows(rounds)
    out.write_text(json.dumps({"backends": rounds, "rows": rows}, indent=2, default=str))
    click.echo(render_rows(rows))
    report = rounds[backends[0]][0]["report"]
    if report.get("runs"):
        click.echo(f"report for {report['runs']} runs: {report['report_s']:.2f} s")
    click.echo(f"figures: {out}")
