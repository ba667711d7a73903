"""Time `build_report` on a store of N synthetic runs, populated once and then reused.

`vitbench perf` calls this and says where the store lives (under `.vitbench/perf/`).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from reports.build import build_report
from reports.synthetic import populate_store


def store_uri(n_runs: int, root: Path) -> str:
    """sqlite store under `root/runs-N/`, filled with N runs on first use (~30 s for 10,000)."""

    folder = (root / f"runs-{n_runs}").resolve()
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    marker = folder / "populated"
    if not marker.exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "mlflow.db").unlink(missing_ok=True)
        populate_store(uri, n_runs)
        marker.write_text(str(n_runs))
    return uri


def time_report(n_runs: int, root: Path) -> dict[str, float]:
    """Wall time of one full report (md + html, figures included, no artifact upload)."""

    uri = store_uri(n_runs, root)
    out = Path(tempfile.mkdtemp(prefix="vitbench-perf-report-"))
    start = time.perf_counter()
    result = build_report(tracking_uri=uri, experiment="vitbench", out_dir=out, log_artifacts=False)
    total = time.perf_counter() - start
    return {"report_s": total, **{f"report_{k}_s": v for k, v in result.timings.items()}}
