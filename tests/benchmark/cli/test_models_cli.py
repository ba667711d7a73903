"""`vitbench models`: TensorFlow-free, complete in every format, descriptions included.

Its wall time (~0.3 s here, was ~15-26 s when it built every model) is measured in the docs, not
asserted: timings belong in `vitbench perf`. What is asserted is the cause of the slowness: no
TensorFlow or Keras module is imported."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from benchmark.config import load_preset, resolve_config
from benchmark.models.cost import model_cost
from tests.support.cli import vitbench_env

PROBE = """
import sys
from benchmark.cli.main import main
try:
    main(["models", "--format", "json"])
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
print("HEAVY:", ",".join(heavy[:5]), file=sys.stderr)
"""


def run(args: list[str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=vitbench_env(),
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_models_json_imports_no_tensorflow_and_lists_every_preset(tmp_path):
    done = run(["-c", PROBE], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "HEAVY: \n" in done.stderr, done.stderr  # neither tensorflow nor keras was imported
    rows = json.loads(done.stdout)
    for row in rows:
        preset = load_preset(row["preset"])
        assert row["description"] == preset.description and row["description"]
        cost = model_cost(resolve_config(preset, row["model"]))
        assert (row["params_total"], row["flops_per_image"]) == (cost.params, cost.flops)
    assert {r["preset"] for r in rows} >= {"demo", "smoke", "keras-io-eanet", "fair-cifar100"}


def test_csv_md_and_piped_table_are_never_truncated(tmp_path):
    rows = json.loads(run(["-m", "benchmark", "models", "--format", "json"], tmp_path).stdout)
    longest = max(rows, key=lambda r: len(r["description"]))
    biggest = max(rows, key=lambda r: r["params_total"])

    parsed = list(csv.DictReader(io.StringIO(
        run(["-m", "benchmark", "models", "--format", "csv"], tmp_path).stdout)))  # fmt: skip
    assert parsed == [{k: str(v) for k, v in r.items()} for r in rows]
    markdown = run(["-m", "benchmark", "models", "--format", "md"], tmp_path).stdout
    table = run(["-m", "benchmark", "models"], tmp_path).stdout  # stdout is a pipe, not a tty
    for text in (markdown, table):
        assert longest["description"] in text
        assert f"{biggest['params_total']:,}" in text
        assert "tokenizer" in text and "…" not in text
