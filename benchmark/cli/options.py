"""Helpers shared by subcommands: comma lists, integer lists, user errors."""

from __future__ import annotations

import click

from benchmark.errors import ConfigError


class UserError(click.ClickException):
    """A user error raised inside a command: `error: ...`, exit 2, however the command is invoked
    (the console script, or click's test runner, which bypasses `main`)."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


def comma_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def int_list(value: str | None, option: str) -> list[int] | None:
    items = comma_list(value)
    if items is None:
        return None
    try:
        return [int(v) for v in items]
    except ValueError:
        raise ConfigError(f"{option}: expected comma-separated integers, got {value!r}") from None
