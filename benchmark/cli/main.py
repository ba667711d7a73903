"""`vitbench`: one click group; each subcommand lives in `benchmark/cli/<name>.py`.

Subcommand modules import TensorFlow, Keras and MLflow lazily, so `vitbench --help` and
`vitbench report` stay quick and TF-free.

One error convention: every user error (a bad flag, a bad value, a project error) prints one
`error: ...` line and exits 2; an unexpected exception (a bug) prints one `internal error: ...`
line and exits 1, with the traceback only under `vitbench --debug`; Ctrl-C exits 130.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback

import click

from benchmark import environment
from benchmark.cli import logs
from benchmark.errors import VitbenchError

COMMAND_MODULES = ("models", "run", "runs", "ui", "report", "study", "dashboard", "perf", "slurm")
USER_ERROR_EXIT = 2
CRASH_EXIT = 1
DEBUG = {"on": False}


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    DEBUG["on"] = DEBUG["on"] or bool(value)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vitbench")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    envvar="VITBENCH_DEBUG",
    callback=_set_debug,
    help="Show the full traceback of an unexpected error.",
)
def cli() -> None:
    """Benchmark ViT, ViT-SL and EANet on small image datasets, tracked in MLflow."""
    logs.configure(DEBUG["on"])  # every invocation, also click's test runner (it skips `main`)


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"benchmark.cli.{_name}")
    except ModuleNotFoundError as _exc:  # a command whose module is not installed
        if _exc.name != f"benchmark.cli.{_name}":
            raise
        continue
    cli.add_command(_module.command)


def _usage_hint(exc: click.UsageError) -> str:
    if exc.ctx is None:
        return ""
    return f" Try '{exc.ctx.command_path} --help'."


def main(argv: list[str] | None = None) -> None:
    """Console entry point; `argv` lets tests call it in-process."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ chatter; Python errors still raise
    DEBUG["on"] = bool(environment.DEBUG.get())
    try:
        code = cli.main(args=argv, prog_name="vitbench", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # `vitbench` alone: the help, no error
        click.echo(exc.format_message())
        sys.exit(0)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:  # click's own: unknown option, bad value, missing argument
        message = exc.format_message().rstrip()
        message += "" if message.endswith((".", "?")) else "."
        click.echo(f"error: {message}{_usage_hint(exc)}", err=True)
        sys.exit(USER_ERROR_EXIT)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(USER_ERROR_EXIT)
    except VitbenchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted: runs marked KILLED; rerun the same command to resume", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug, not the user's input: one line unless --debug
        if DEBUG["on"]:
            traceback.print_exc()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        click.echo(f"internal error: {type(exc).__name__}: {first}", err=True)
        if not DEBUG["on"]:
            click.echo("  (a bug, not your input; `vitbench --debug ...` shows the traceback)",
                       err=True)  # fmt: skip
        sys.exit(CRASH_EXIT)
    if isinstance(code, int) and code:
        sys.exit(code)
