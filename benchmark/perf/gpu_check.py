"""`python -m benchmark.perf.gpu_check`: the GPU measurements, ready to run once on a machine with
an NVIDIA GPU and JAX or PyTorch (TensorFlow not needed), inside a time budget.

Steps, each a subprocess with its own timeout and log; a failed step is recorded and the rest go
on, so one run always leaves a complete account in OUT/summary.json and OUT/gpu_check.log:
1. probe: nvidia-smi, Python, which backends import and which devices they see;
2. install: what vitbench needs and is missing, from `--wheels DIR` (pip, no index);
3. per backend: `vitbench perf` on the two seed recipes (harness vs bare vs the seed's
   formulation) in the default compile mode, with XLA, and with mixed_bfloat16;
4. per backend: a short matrix of the keras-io EANet recipe (digits at 32 px, a few epochs).
`--quick` shrinks every step for a rehearsal on CPU. Only the standard library is imported until
the steps run, so the probe and the install work before vitbench's dependencies exist.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BACKENDS = ("jax", "torch", "tensorflow")
NEEDED = ("keras", "mlflow", "optuna", "pandas", "seaborn", "scipy", "sklearn", "yaml", "click")
PIP_NAMES = {"sklearn": "scikit-learn", "yaml": "pyyaml"}
# dense bf16 peak FLOP/s by GPU name (vendor data sheets), for MFU against the GPU's peak
BF16_PEAK = {"H200": 989.4e12, "H100": 989.4e12, "A100": 312e12, "L4": 121e12}
DEVICES = {
    "jax": "import jax; print([str(d) for d in jax.devices()])",
    "torch": "import torch; print(torch.cuda.is_available(), torch.cuda.device_count())",
    "tensorflow": "import tensorflow as tf; print(tf.config.list_physical_devices('GPU'))",
}


class Check:
    """The run's log, its steps and its deadline."""

    def __init__(self, out: Path, budget_s: float):
        self.out, self.deadline = out, time.monotonic() + budget_s
        self.log = open(out / "gpu_check.log", "a", encoding="utf-8")  # noqa: SIM115
        self.steps: list[dict] = []

    def run(self, name: str, cmd: list[str], cap_s: float, env=None) -> dict:
        left = self.deadline - time.monotonic()
        step = {"name": name, "cmd": cmd, "rc": None, "seconds": 0.0}
        if left < 20:
            step["status"] = "skipped: time budget spent"
        else:
            self.log.write(f"\n=== {name}: {' '.join(cmd)}\n")
            self.log.flush()
            start = time.monotonic()
            try:
                done = subprocess.run(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                      timeout=min(cap_s, left - 10), env=env)  # fmt: skip
                step["rc"] = done.returncode
                step["status"] = "ok" if done.returncode == 0 else "failed"
            except subprocess.TimeoutExpired:
                step["status"] = "timed out"
            step["seconds"] = round(time.monotonic() - start, 1)
        self.steps.append(step)
        return step


def probe(check: Check) -> dict:
    found: dict = {"python": sys.version.split()[0], "backends": {}}
    smi = shutil.which("nvidia-smi")
    if smi:
        out = subprocess.run([smi, "--query-gpu=name,memory.total", "--format=csv,noheader"],
                             capture_output=True, text=True)  # fmt: skip
        found["gpus"] = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    for backend in BACKENDS:
        if importlib.util.find_spec(backend) is None:
            continue
        out = subprocess.run([sys.executable, "-c", DEVICES[backend]], capture_output=True,
                             text=True, timeout=120)  # fmt: skip
        found["backends"][backend] = (out.stdout or out.stderr).strip()[-300:]
    check.log.write(json.dumps(found, indent=2) + "\n")
    return found


def install_missing(check: Check, wheels: Path | None) -> None:
    missing = [PIP_NAMES.get(m, m) for m in NEEDED if importlib.util.find_spec(m) is None]
    if missing and wheels is not None:
        pip = [sys.executable, "-m", "pip", "install", "--no-index", "--find-links", str(wheels)]
        check.run("install", [*pip, *missing], cap_s=180)
    elif missing:
        check.steps.append({"name": "install", "status": f"missing {missing}, no --wheels"})


def peak_flops(gpus: list[str]) -> float | None:
    for name, peak in BF16_PEAK.items():
        if any(name in gpu for gpu in gpus):
            return peak
    return None


def perf_figures(path: Path, peak: float | None) -> list[dict]:
    """img/s per job and variant, and train MFU against the GPU's bf16 peak."""
    if not path.is_file():
        return []
    figures = json.loads(path.read_text())
    rows = []
    for job in figures["jobs"]:
        for variant, values in job["median"].items():
            row = {"job": job["job"], "variant": variant,
                   "train_images_per_s": values.get("train_images_per_s")}  # fmt: skip
            flops = job.get("flops_per_image")
            if peak and flops and row["train_images_per_s"]:
                row["train_mfu_vs_bf16_peak"] = 3 * flops * row["train_images_per_s"] / peak
            rows.append(row)
        for key in ("overhead_ratio", "xla_ratio", "speedup_over_seed"):
            if key in job:
                rows.append({"job": job["job"], key: job[key]})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(".vitbench") / "gpu-check")
    parser.add_argument("--wheels", type=Path, help="folder of wheels for what is missing")
    parser.add_argument("--budget-s", type=float, default=480.0)
    parser.add_argument("--backends", help="comma-separated; default: jax,torch as installed")
    parser.add_argument("--quick", action="store_true", help="tiny steps: a rehearsal on CPU")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    check = Check(args.out.resolve(), args.budget_s)
    machine = probe(check)
    install_missing(check, args.wheels)
    chosen = args.backends.split(",") if args.backends else [
        b for b in ("jax", "torch") if b in machine["backends"]]  # fmt: skip
    if args.quick:
        perf = ["--models", "eanet", "--recipes", "eanet", "--depth", "1", "--steps", "2",
                "--repeats", "1", "--batch-size", "16"]  # fmt: skip
        matrix = ["--epochs", "1", "--set", "data.max_train_examples=64"]
    else:
        perf = ["--models", "eanet", "--recipes", "eanet,vit-small-ds", "--depth", "preset",
                "--steps", "20", "--repeats", "2", "--batch-size", "128"]  # fmt: skip
        matrix = ["--epochs", "3"]
    modes = {"default": ["--no-xla"], "xla": ["--xla"],
             "bf16": ["--no-xla", "--precision", "mixed_bfloat16"]}  # fmt: skip
    if args.quick:  # torch.compile alone takes minutes on a CPU: the rehearsal skips XLA mode
        modes.pop("xla")
    vitbench = [sys.executable, "-m", "benchmark"]
    figures: dict = {}
    peak = peak_flops(machine.get("gpus", []))
    for backend in chosen:
        env = {**os.environ, "KERAS_BACKEND": backend, "VITBENCH_HOME": str(check.out / "home")}
        for mode, flags in modes.items():
            out = check.out / f"perf-{backend}-{mode}.json"
            cmd = [*vitbench, "perf", "--backends", backend, *perf, *flags, "--skip-report",
                   "--out", str(out)]  # fmt: skip
            check.run(f"perf {backend} {mode}", cmd, cap_s=240, env=env)
            figures[f"{backend}/{mode}"] = perf_figures(out, peak)
        cmd = [*vitbench, "run", "--preset", "keras-io-eanet", "--models", "eanet", "--seeds", "0",
               "--backend", backend, "--dataset", "digits", "--set", "data.image_size=32",
               *matrix]  # fmt: skip
        check.run(f"matrix {backend}", cmd, cap_s=240, env=env)
    summary = {"machine": machine, "bf16_peak_flops": peak, "steps": check.steps,
               "figures": figures}  # fmt: skip
    (check.out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    print(f"summary: {check.out / 'summary.json'}  log: {check.out / 'gpu_check.log'}")
    return 0 if all(s.get("status") == "ok" for s in check.steps) else 1


if __name__ == "__main__":
    sys.exit(main())
