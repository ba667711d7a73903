"""Rows of dicts as a table (rich), CSV, Markdown or JSON: the output formats of `vitbench models`
and `vitbench runs`.

Only the table is for a terminal; off a terminal it is as wide as its content (never cut at 80
columns). CSV, Markdown and JSON always carry every column in full.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import click

FORMATS = ("table", "csv", "json", "md")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows({c: row.get(c) for c in columns} for row in rows)
    return out.getvalue()


def to_markdown(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, str],
                numeric: Sequence[str] = ()) -> str:  # fmt: skip
    def cell(value: Any) -> str:
        return _text(value).replace("|", "\\|").replace("\n", " ")

    keys = list(columns)
    lines = ["| " + " | ".join(columns[k] for k in keys) + " |"]
    lines.append("|" + "|".join("---:" if k in numeric else "---" for k in keys) + "|")
    lines += ["| " + " | ".join(cell(row.get(k)) for k in keys) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def print_table(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, str], title: str = "",
                numeric: Sequence[str] = (), wrap: Sequence[str] = ()) -> None:  # fmt: skip
    """A rich table; `wrap` columns fold on a narrow terminal, the others are never cut."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None)
    for key, heading in columns.items():
        table.add_column(
            heading,
            justify="right" if key in numeric else "left",
            no_wrap=key not in wrap,
            overflow="fold",
        )
    for row in rows:
        table.add_row(*(_text(row.get(k)) for k in columns))
    if sys.stdout.isatty():
        Console().print(table)
        return
    widths = [max([len(h), *(len(_text(r.get(k))) for r in rows)]) for k, h in columns.items()]
    width = max(sum(widths) + 3 * len(widths) + 1, len(title), 80)
    Console(width=width, no_color=True, soft_wrap=False).print(table)


def emit(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, str], output_format: str,
         title: str = "", numeric: Sequence[str] = (), wrap: Sequence[str] = (),
         raw: Sequence[Mapping[str, Any]] | None = None) -> None:  # fmt: skip
    """Print `rows` in `output_format`; csv/json print `raw` (machine values) when given."""
    machine = raw if raw is not None else rows
    if output_format == "json":
        click.echo(json.dumps([{k: r.get(k) for k in columns} for r in machine], indent=2))
    elif output_format == "csv":
        click.echo(to_csv(machine, list(columns)), nl=False)
    elif output_format == "md":
        click.echo(to_markdown(rows, columns, numeric), nl=False)
    else:
        print_table(rows, columns, title, numeric, wrap)
