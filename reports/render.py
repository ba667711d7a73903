"""A report document (sections of text, tables, figures) -> Markdown and one-file HTML.

The HTML embeds every figure as a base64 PNG and inlines its CSS, so it can be mailed or
attached to an MLflow run and still open anywhere with no network access.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

from reports.figures import Figure
from reports.tables import Table

Item = str | Table | Figure


@dataclass
class Section:
    title: str
    items: list[Item] = field(default_factory=list)


@dataclass
class Document:
    title: str
    intro: list[str]
    sections: list[Section]


def _md_cell(text: str, bold: bool) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return f"**{text}**" if bold and text not in ("", "–") else text


def _titled(section: Section) -> bool:
    """A table gets its own title only when its section holds several (one heading each)."""
    return sum(isinstance(i, Table) for i in section.items) > 1


def table_md(table: Table, titled: bool = True) -> str:
    """GitHub-flavoured pipe table with bold best cells, links and the notes underneath."""
    lines = [f"**{table.title}**", ""] if titled else []
    lines.append("| " + " | ".join(_md_cell(c, False) for c in table.columns) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    for i, row in enumerate(table.rows):
        cells = [_md_cell(c, (i, j) in table.bold) for j, c in enumerate(row)]
        cells = [
            f"[{c}]({table.links[(i, j)]})" if (i, j) in table.links else c
            for j, c in enumerate(cells)
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if table.notes:
        lines += [""] + [f"_{note}_" for note in table.notes]
    return "\n".join(lines)


def to_markdown(doc: Document, figure_dir: str = "figures") -> str:
    """Markdown; figures are referenced as ``figures/<key>.png`` next to report.md."""
    out = [f"# {doc.title}", ""] + [line + "\n" for line in doc.intro]
    for section in doc.sections:
        out += [f"## {section.title}", ""]
        for item in section.items:
            if isinstance(item, Table):
                out += [table_md(item, _titled(section)), ""]
            elif isinstance(item, Figure):
                out += [
                    f"![{item.title}]({figure_dir}/{item.key}.png)",
                    "",
                    f"_{item.caption}_",
                    "",
                ]
            else:
                out += [item, ""]
    return "\n".join(out).rstrip() + "\n"


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}
th{background:#f2f2f2} td b{color:#0a5}
.note{color:#555;font-size:.85em;font-style:italic} figure{margin:1em 0}
img{max-width:100%} figcaption{color:#555;font-size:.85em}
"""


def _html_cell(table: Table, i: int, j: int, text: str) -> str:
    cell = html.escape(text)
    if (i, j) in table.links:
        cell = f'<a href="{html.escape(table.links[(i, j)])}">{cell}</a>'
    return f"<td><b>{cell}</b></td>" if (i, j) in table.bold else f"<td>{cell}</td>"


def table_html(table: Table, titled: bool = True) -> str:
    """An HTML table; best cells wrapped in <b>, run ids in links where the UI is a server."""
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in table.columns)
    body = [
        "<tr>" + "".join(_html_cell(table, i, j, c) for j, c in enumerate(row)) + "</tr>"
        for i, row in enumerate(table.rows)
    ]
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in table.notes)
    title = f"<h3>{esc(table.title)}</h3>" if titled else ""
    return (
        f"{title}<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{notes}"
    )


def figure_html(fig: Figure) -> str:
    data = base64.b64encode(fig.png).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(fig.title)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(fig.caption)}</figcaption></figure>"
    )


def to_html(doc: Document) -> str:
    """A single self-contained HTML file: inline CSS, base64 images, no external references."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(doc.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(doc.title)}</h1>",
    ]
    parts += [f"<p>{html.escape(line)}</p>" for line in doc.intro]
    for section in doc.sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        for item in section.items:
            if isinstance(item, Table):
                parts.append(table_html(item, _titled(section)))
            elif isinstance(item, Figure):
                parts.append(figure_html(item))
            else:
                parts.append(f"<p>{html.escape(item)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write(
    doc: Document, out_dir: Path, formats: tuple[str, ...], runs_csv: str | None = None
) -> dict[str, Path]:
    """Write report.md (+ figures/*.png), report.html and runs.csv; returns the report paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    if runs_csv is not None:  # every run, beside the report (the table shows the first ones)
        (out_dir / "runs.csv").write_text(runs_csv, encoding="utf-8")
    if "md" in formats:
        fig_dir = out_dir / "figures"
        fig_dir.mkdir(exist_ok=True)
        for section in doc.sections:
            for item in section.items:
                if isinstance(item, Figure):
                    (fig_dir / f"{item.key}.png").write_bytes(item.png)
        paths["md"] = out_dir / "report.md"
        paths["md"].write_text(to_markdown(doc), encoding="utf-8")
    if "html" in formats:
        paths["html"] = out_dir / "report.html"
        paths["html"].write_text(to_html(doc), encoding="utf-8")
    return paths
