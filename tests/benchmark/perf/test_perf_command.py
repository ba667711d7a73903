"""`vitbench perf` end to end at the smallest settings: every figure reaches the JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmark.cli.main import cli

HARNESS_KEYS = {
    "train_images_per_s",
    "tracking_ms_per_epoch",
    "inference_images_per_s",
    "latency_batch1_p50_ms",
    "latency_batch1_p95_ms",
    "flops_per_image",
    "params_total",
}


@pytest.mark.slow
def test_perf_smoke_writes_every_figure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "perf.json"
    args = "perf --models eanet --recipes eanet --steps 2 --repeats 1 --batch-size 16 --depth 1"
    args += " --stream"
    args = [*args.split(), "--report-runs", "20", "--out", str(out)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())

    assert figures["matmul_ceiling_flops_per_s"] > 0
    (job,) = figures["jobs"]
    assert job["depth"] == 1 and job["batch_size"] == 16
    assert set(job["median"]) == {"harness", "bare", "stream", "xla", "seed"}
    assert set(job["median"]["harness"]) >= HARNESS_KEYS
    for key in ("overhead_ratio", "xla_ratio", "stream_ratio", "speedup_over_seed",
                "speedup_over_seed_steps", "speedup_over_seed_full_epoch",
                "augmentation_bound", "train_mfu", "inference_mfu"):  # fmt: skip
        assert math.isfinite(job[key]) and job[key] > 0, key
    (harness,), (bare,) = job["samples"]["harness"], job["samples"]["bare"]
    assert job["overhead_ratio"] == pytest.approx(
        harness["train_images_per_s"] / bare["train_images_per_s"]
    )
    assert job["augmentation_bound"] >= 1.0
    (seed,) = job["samples"]["seed"]
    for sample in (harness, bare, seed):  # the steps alone are faster than the whole epoch
        assert (
            sample["epoch_setup_s"] >= 0
            and sample["step_images_per_s"] >= sample["train_images_per_s"]
        )
    assert job["full_epoch_images"] == 40_000
    assert job["speedup_over_seed_full_epoch"] == pytest.approx(
        (seed["epoch_setup_s"] + 40_000 / seed["step_images_per_s"])
        / (harness["epoch_setup_s"] + 40_000 / harness["step_images_per_s"])
    )
    assert job["overhead_ratio_best"] == pytest.approx(job["overhead_ratio"])  # one repeat
    assert job["samples"]["seed"][0]["augment_ms_per_batch"] > 0
    assert figures["report"]["runs"] == 20 and figures["report"]["report_s"] > 0
    assert (tmp_path / ".vitbench" / "perf" / "report-store" / "runs-20" / "populated").exists()
    assert "setup s: harness" in result.output and "h/seed full epoch" in result.output
    assert "h/bare" in result.output and "xla/h" in result.output and "best of N" in result.output
    assert "depth reduced to 1" in result.output


def test_perf_rejects_unknown_recipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user error: exit 2 with one line naming the flag, the value and the choices, raised by
    the CLI before the suite starts (no matmul ceiling, no figures written)."""
    from benchmark.cli.main import main
    from benchmark.perf.suite import RECIPES

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "perf.json"
    with pytest.raises(SystemExit) as exit_info:
        main(["perf", "--recipes", "eanet,nope", "--out", str(out)])
    assert exit_info.value.code == 2
    stderr = capsys.readouterr().err
    (line,) = stderr.strip().splitlines()
    assert line.startswith("error: --recipes:"), line
    assert "unknown ['nope']" in line, line  # eanet is known
    assert line.endswith("choose from " + ", ".join(RECIPES)), line
    assert "matmul ceiling" not in stderr and not out.exists()
    assert not (tmp_path / ".vitbench").exists()
