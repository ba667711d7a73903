"""Parsing helpers shared by subcommands: comma lists, integer lists, SIGTERM handling."""

from __future__ import annotations

import signal

from benchmark.errors import ConfigError


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


def sigterm_as_interrupt() -> None:
    """SIGTERM gets the same clean stop as Ctrl-C: the run is marked KILLED, checkpoint kept."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
