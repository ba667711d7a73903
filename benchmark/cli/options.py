"""Helpers shared by subcommands: user errors, the `--request` option, comma lists."""

from __future__ import annotations

import json

import click

from benchmark.errors import ConfigError
from benchmark.matrix.request import comma_list, int_list


class UserError(click.ClickException):
    """A user error raised inside a command: `error: ...`, exit 2, however the command is invoked
    (the console script, or click's test runner, which bypasses `main`)."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


def request_option(command):
    """`--request JSON`: the whole flag set of a command as the first process parsed it; local
    worker processes and Slurm tasks get their request this way, not as re-spelled flags."""
    return click.option(
        "--request",
        "request_json",
        hidden=True,
        help="The command's flags as one JSON object (worker processes, Slurm tasks).",
    )(command)


def flags_with_request(flags: dict) -> dict:
    """The flags a command runs with: its parsed flags, or the ones its `--request` carries."""
    raw = flags.pop("request_json", None)
    if raw is None:
        return flags
    try:
        given = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"--request: not JSON ({exc})") from None
    unknown = sorted(set(given) - set(flags))
    if unknown:
        raise ConfigError(f"--request: unknown flag(s) {unknown}; known: {sorted(flags)}")
    return {**flags, **given}


def request_json(flags: dict) -> str:
    """The flags as `--request` carries them."""
    return json.dumps({key: list(v) if isinstance(v, tuple) else v for key, v in flags.items()})


__all__ = [
    "UserError",
    "comma_list",
    "flags_with_request",
    "int_list",
    "request_json",
    "request_option",
]
