"""Human table, JSON file and MLflow run for the figures (the table says what was measured)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlflow.tracking import MlflowClient

from benchmark.perf.suite import EPOCH, RATIOS
from benchmark.tracking import runs as tracking
from benchmark.tracking.server import resolve_tracking_uri
from reports.names import KIND, Kind, Status

TARGETS = {"overhead_ratio": 0.97, "speedup_over_seed": 1.3, "report_s": 15.0}  # 10,000 runs
RATIO_KEYS = tuple(k for key, *_ in RATIOS for k in (key, f"{key}_best"))


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def render(figures: dict[str, Any]) -> str:
    s = figures["settings"]
    lines = [
        f"vitbench perf: batch {s['batch_size']}, {s['steps']} steps/epoch, "
        f"{s['measured_epochs']} timed epoch(s) after 1 warm-up, {s['repeats']} repeats "
        f"(variants alternated), {figures['environment']['cpu_count']} CPU cores; medians, "
        "ratios paired per repeat.",
        f"data: {figures['conventions']['data']}; "
        f"matmul ceiling {figures['matmul_ceiling_flops_per_s'] / 1e9:.1f} GFLOP/s (float32).",
        "",
        f"{'job':<18}{'preset':<23}{'depth':>5}{'px':>4} {'harness':>8}{'bare':>8}{'xla':>8}"
        f"{'seed':>8}{'h/bare':>8}{'xla/h':>7}{'h/seed':>8}{'bound':>7}{'MFU':>7}{'inf/s':>8}"
        f"{'p50ms':>7}{'p95ms':>7}{'trk ms':>7}",
    ]
    for job in figures["jobs"]:
        med = job["median"]
        h = med["harness"]
        depth = f"{job['depth']}{'*' if s['depth'] is not None else ''}"
        lines.append(
            f"{job['job']:<18}{job['preset']:<23}{depth:>5}{job['input_size']:>4} "
            f"{h['train_images_per_s']:>8.1f}"
            f"{_fmt(med.get('bare', {}).get('train_images_per_s'), '8.1f'):>8}"
            f"{_fmt(med.get('xla', {}).get('train_images_per_s'), '8.1f'):>8}"
            f"{_fmt(med.get('seed', {}).get('train_images_per_s'), '8.1f'):>8}"
            f"{_fmt(job.get('overhead_ratio'), '.3f'):>8}"
            f"{_fmt(job.get('xla_ratio'), '.2f'):>7}"
            f"{_fmt(job.get('speedup_over_seed'), '.2f'):>8}"
            f"{_fmt(job.get('augmentation_bound'), '.2f'):>7}"
            f"{100 * job['train_mfu']:>6.1f}%{h['inference_images_per_s']:>8.0f}"
            f"{h['latency_batch1_p50_ms']:>7.1f}{h['latency_batch1_p95_ms']:>7.1f}"
            f"{h['tracking_ms_per_epoch']:>7.1f}"
        )
    streams = [job for job in figures["jobs"] if "stream_ratio" in job]
    for job in streams:
        rate = job["median"]["stream"]["train_images_per_s"]
        lines.append(f"{job['job']}: stream (bare fed as one tf.data stream) {rate:.1f} img/s, "
                     f"h/stream {job['stream_ratio']:.3f}")  # fmt: skip
    lines += ["", "per-epoch feed setup (epoch begin -> first step, median s) and paired ratios of "
              "the steps alone and of a full epoch (that setup once per epoch of the recipe's "
              "real length):"]  # fmt: skip
    for job in figures["jobs"]:
        setups = ", ".join(
            f"{variant} {values['epoch_setup_s']:.2f}" for variant, values in job["median"].items()
        )
        paired = [
            f"{label} {job[key]:.3f}"
            for key, _, _, label, figure in RATIOS
            if key in job and figure != EPOCH
        ]
        lines.append(f"  {job['job']:<18}setup s: {setups}")
        lines.append(f"  {'':<18}{', '.join(paired)} ({job['full_epoch_images']:,} images/epoch)")
    lines += ["", "best of N (fastest sample of each variant; slow phases of a shared machine "
              "only ever slow a sample down):"]  # fmt: skip
    for job in figures["jobs"]:
        best = [f"{label} {job[f'{key}_best']:.3f}" for key, _, _, label, _ in RATIOS if key in job]
        lines.append(f"  {job['job']:<18}" + ", ".join(best))
    rep = figures["report"]
    lines += [
        "",
        "train images/s; h/bare = overhead ratio (target >= 0.97); xla/h = XLA over the default "
        "compile mode; h/seed = speed-up over the keras-io formulation (target >= 1.3); bound = "
        "what moving the seed's augmentation compute off its step can win at most; MFU = 3 x "
        "forward FLOPs x img/s / ceiling.",
        f"report for {rep['runs']:,} runs: {rep['report_s']:.2f} s "
        f"(target < {TARGETS['report_s']:g} s for 10,000 runs)."
        if rep["runs"]
        else "report: not timed in this process.",
    ]
    if s["depth"] is not None:
        lines.append(f"* depth reduced to {s['depth']} (not the preset's).")
    return "\n".join(lines)


def flat_metrics(figures: dict[str, Any]) -> dict[str, float]:
    """Scalar figures keyed `job.variant.metric`, for MLflow."""
    out = {"matmul_ceiling_gflops": figures["matmul_ceiling_flops_per_s"] / 1e9}
    for job in figures["jobs"]:
        name = job["job"].replace("@", ".")
        for variant, values in job["median"].items():
            out.update({f"{name}.{variant}.{k}": float(v) for k, v in values.items()})
        for key in (*RATIO_KEYS, "augmentation_bound", "train_mfu", "inference_mfu"):
            if key in job:
                out[f"{name}.{key}"] = float(job[key])
    out.update({k: float(v) for k, v in figures["report"].items()})
    return out


def write_json(figures: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, sort_keys=True))


def log_to_mlflow(figures: dict[str, Any], json_path: Path, tracking_uri: str | None) -> str:
    """One run in experiment `vitbench-perf`: settings as params, figures as metrics + JSON."""

    uri = resolve_tracking_uri(tracking_uri)
    client = MlflowClient(uri)
    experiment_id = tracking.get_experiment_id(client, "vitbench-perf", uri)
    run = client.create_run(experiment_id, run_name="perf", tags={KIND: Kind.PERF})
    run_id = run.info.run_id
    for key, value in figures["settings"].items():
        client.log_param(run_id, key, str(value))
    for key, value in flat_metrics(figures).items():
        client.log_metric(run_id, key.replace("%", "pct"), value)
    client.log_artifact(run_id, str(json_path))
    client.set_terminated(run_id, Status.FINISHED)
    return run_id
