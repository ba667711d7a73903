"""Library code reports through `logging`; the CLI shows those records as plain lines: INFO on
stdout (like the command's own output), warnings and errors on stderr."""

from __future__ import annotations

import logging

import click

PACKAGES = ("benchmark", "studies", "reports")


class EchoHandler(logging.Handler):
    """Writes through click.echo, so it follows the current stdout/stderr (tests swap them)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=record.levelno >= logging.WARNING)
        except Exception:
            self.handleError(record)


def configure(debug: bool = False) -> None:
    """Once per process: vitbench's loggers print through `EchoHandler`."""
    for name in PACKAGES:
        logger = logging.getLogger(name)
        if not any(isinstance(h, EchoHandler) for h in logger.handlers):
            logger.addHandler(EchoHandler())
        logger.setLevel(logging.DEBUG if debug else logging.INFO)
        logger.propagate = False
