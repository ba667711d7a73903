"""`vitbench`: one click group; each subcommand lives in `benchmark/cli/<name>.py`.

Subcommand modules import TensorFlow, Keras and MLflow lazily, so `vitbench --help` and
`vitbench report` stay quick and TF-free. Project errors print one line and exit non-zero.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from benchmark.errors import VitbenchError

COMMAND_MODULES = ("models", "run", "ui", "report", "study", "dashboard", "perf")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vitbench")
def cli() -> None:
    """Benchmark ViT, ViT-SL and EANet on small image datasets, tracked in MLflow."""


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"benchmark.cli.{_name}")
    except ModuleNotFoundError as _exc:  # a command whose module is not installed
        if _exc.name != f"benchmark.cli.{_name}":
            raise
        continue
    cli.add_command(_module.command)


def main(argv: list[str] | None = None) -> None:
    """Console entry point; `argv` lets tests call it in-process."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ chatter; Python errors still raise
    try:
        cli.main(args=argv, prog_name="vitbench", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except VitbenchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted: runs marked KILLED; rerun the same command to resume", err=True)
        sys.exit(130)
