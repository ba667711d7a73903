"""`vitbench perf --backends tensorflow,jax,torch`: the same suite per Keras backend, alternated.

Keras fixes its backend at import, so each backend's samples come from a child `vitbench perf`
process started with that backend's environment, one repeat at a time and in turn (A B C A B C):
a slow phase of a shared machine then slows every backend alike, and each repeat gives one
paired ratio per backend against the first backend.
"""

from __future__ import annotations

import json
import logging
import math
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmark.training.backends import backend_environment, check_installed

log = logging.getLogger(__name__)

RATE = "train_images_per_s"


def run_alternated(
    backends: Sequence[str],
    child_flags: dict[str, Any],
    repeats: int,
) -> dict[str, Any]:
    """{backend: [figures of each repeat]} from `repeats` rounds of one child per backend; each
    child gets the parent's flags as one `--request`, with its backend, 1 repeat and its file."""
    for backend in backends:
        check_installed(backend)
    folder = Path(tempfile.mkdtemp(prefix="vitbench-perf-backends-"))
    rounds: dict[str, list[dict[str, Any]]] = {b: [] for b in backends}
    for repeat in range(repeats):
        for backend in backends:
            out = folder / f"{backend}-{repeat}.json"
            flags = {**child_flags, "backends": backend, "repeats": 1, "out": str(out)}
            if repeat or backend != backends[0]:
                flags["skip_report"] = True  # the report is timed once, not per backend
            args = ["--request", json.dumps(flags)]
            env = {**os.environ, **backend_environment(backend, op_determinism=True)}
            log.info(f"repeat {repeat + 1}/{repeats}: {backend}")
            done = subprocess.run([sys.executable, "-m", "benchmark", "perf", *args], env=env)
            if done.returncode != 0:
                raise RuntimeError(f"perf on backend {backend} exited {done.returncode}")
            rounds[backend].append(json.loads(out.read_text()))
    return rounds


def backend_rows(rounds: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per job, variant and backend: median img/s and the paired ratio to the first backend."""
    backends = list(rounds)
    reference = backends[0]
    rows = []
    for index, job in enumerate(rounds[reference][0]["jobs"]):
        for variant in job["median"]:
            for backend in backends:
                rates = [_rate(r["jobs"][index], variant) for r in rounds[backend]]
                refs = [_rate(r["jobs"][index], variant) for r in rounds[reference]]
                pairs = [a / b for a, b in zip(rates, refs, strict=True) if a and b]
                rows.append(
                    {
                        "job": job["job"],
                        "variant": variant,
                        "backend": backend,
                        "images_per_s": median([r for r in rates if r]),
                        f"ratio_to_{reference}": median(pairs),
                        "samples": rates,
                    }
                )
    return rows


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def _rate(job: dict[str, Any], variant: str) -> float | None:
    value = job["median"].get(variant, {}).get(RATE)
    return float(value) if value else None


def render_rows(rows: list[dict[str, Any]]) -> str:
    reference = next(k for k in rows[0] if k.startswith("ratio_to_"))
    lines = [f"{'job':<18} {'variant':<8} {'backend':<11} {'img/s':>8} {reference:>22}"]
    for row in rows:
        lines.append(
            f"{row['job']:<18} {row['variant']:<8} {row['backend']:<11} "
            f"{row['images_per_s']:8.1f} {row[reference]:22.3f}"
        )
    return "\n".join(lines)
