"""The GPU check, rehearsed end to end on CPU (`--quick`): every step runs and reports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.backends import backend_env, require


@pytest.mark.slow
def test_gpu_check_rehearsal_writes_a_complete_summary(tmp_path):
    require("torch")
    out = tmp_path / "check"
    done = subprocess.run(
        [sys.executable, "-m", "benchmark.perf.gpu_check", "--quick", "--backends", "torch",
         "--out", str(out), "--budget-s", "900"],
        env=backend_env("torch"), capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    summary = json.loads((out / "summary.json").read_text())
    assert done.returncode == 0, (done.stdout, (out / "gpu_check.log").read_text()[-3000:])
    names = [s["name"] for s in summary["steps"]]
    assert names == ["perf torch default", "perf torch bf16", "matrix torch"]
    assert all(s["status"] == "ok" for s in summary["steps"])
    rows = summary["figures"]["torch/default"]
    rates = [r["train_images_per_s"] for r in rows if r.get("variant") == "harness"]
    assert rates and all(rate > 0 for rate in rates)
    assert "torch" in summary["machine"]["backends"]
    assert (out / "gpu_check.log").stat().st_size > 0
