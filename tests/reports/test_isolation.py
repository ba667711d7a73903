"""The report must build where TensorFlow/Keras are absent: prove nothing imports them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("tensorflow", "keras", "benchmark", "optuna")

SCRIPT = """
import json, sys
{imports}
{call}
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})))
"""


def _modules(imports: str, call: str) -> set[str]:
    code = SCRIPT.format(imports=imports, call=call)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_building_a_report_imports_no_tensorflow_keras_or_benchmark(store, tmp_path):
    call = (
        f"r = reports.build_report(tracking_uri={store.uri!r}, run_id={store.matrix_id!r}, "
        f"out_dir={str(tmp_path)!r}, log_artifacts=False); assert r.paths"
    )
    loaded = _modules("import reports", call)
    assert {"mlflow", "pandas", "seaborn", "reports"} <= loaded  # the build really ran
    assert not loaded & set(FORBIDDEN), loaded & set(FORBIDDEN)


def test_report_command_stays_tf_free(store, tmp_path):
    call = (
        "from click.testing import CliRunner\n"
        f"res = CliRunner().invoke(command, ['--run', {store.matrix_id!r}, '--tracking-uri', "
        f"{store.uri!r}, '--out', {str(tmp_path)!r}, '--no-log'])\n"
        "assert res.exit_code == 0, res.output"
    )
    loaded = _modules("from benchmark.cli.report import command", call)
    assert "reports" in loaded and "click" in loaded
    assert not loaded & {"tensorflow", "keras"}
