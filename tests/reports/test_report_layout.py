"""Layout promises of the matrix report: one heading per section, no empty table, a per-run
table whose run ids link to the MLflow UI when the tracking URI is a server."""

from __future__ import annotations

import csv
import re

import pytest

from reports.build import build_report, run_linker, ui_base
from reports.render import table_html, table_md
from reports.tables import runs_table


@pytest.fixture(scope="module")
def report(store, tmp_path_factory):
    out = tmp_path_factory.mktemp("layout")
    return build_report(
        tracking_uri=store.uri, run_id=store.matrix_id, out_dir=out, log_artifacts=False
    )


def test_every_heading_once_and_no_table_title_repeats_it(report):
    html = report.paths["html"].read_text()
    headings = re.findall(r"<h[23]>([^<]*)</h[23]>", html)
    assert len(headings) == len(set(headings)), headings
    md = report.paths["md"].read_text()
    titles = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert len(titles) == len(set(titles))
    assert not any(f"**{t}**" in md for t in titles)  # no bold table title under its own heading


def test_no_empty_table(report):
    for section in report.document.sections:
        for item in section.items:
            if hasattr(item, "rows"):
                assert item.rows, (section.title, item.title)


def test_excluded_section_is_left_out_when_nothing_is_excluded(store, tmp_path):
    result = build_report(
        tracking_uri=store.uri, run_id=store.small_new_id, out_dir=tmp_path, log_artifacts=False
    )
    assert "Runs excluded" not in result.paths["md"].read_text()


def test_per_run_table_and_csv_hold_every_run(report, store):
    section = next(s for s in report.document.sections if s.title == "Runs")
    (table,) = section.items
    assert table.columns[:5] == ["Run id", "Model", "Seed", "Preset", "Dataset"]
    assert {"Test top-1 %", "Test top-5 %", "Params", "Status"} <= set(table.columns)
    by_id = {row[0]: row for row in table.rows}
    assert len(by_id) == 17  # 15 finished + FAILED + KILLED
    assert by_id[store.failed_id][-1] == "FAILED" and by_id[store.failed_id][5] == "–"
    finished = report.runs[report.runs["status"] == "FINISHED"].iloc[0]
    assert by_id[finished["run_id"]][5] == f"{100 * finished['test_accuracy']:.2f}"
    assert not table.links  # a SQLite store has no UI to link to
    with open(report.out_dir / "runs.csv", newline="") as f:
        assert {r["run_id"] for r in csv.DictReader(f)} == set(report.runs["run_id"])


def test_run_ids_link_to_the_ui_run_page_on_a_server(report):
    uri = "https://alice:s3cret@mlflow.example.org:8443/base/"
    assert ui_base(uri) == "https://mlflow.example.org:8443/base"
    assert ui_base("sqlite:///x.db") is None and ui_base("postgresql://u:p@h/db") is None
    table = runs_table(report.runs, run_linker(uri))
    row = report.runs.set_index("run_id").loc[table.rows[0][0]]
    expected = (
        f"https://mlflow.example.org:8443/base/#/experiments/{row['experiment_id']}"
        f"/runs/{table.rows[0][0]}"
    )
    assert table.links[(0, 0)] == expected and len(table.links) == len(table.rows)
    assert f"[{table.rows[0][0]}]({expected})" in table_md(table)
    assert f'<a href="{expected}">{table.rows[0][0]}</a>' in table_html(table)
    assert "s3cret" not in table_md(table) + table_html(table)
