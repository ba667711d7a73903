"""`--workers K`: K local processes, each the same `vitbench study` command with `--workers 1`.

Processes, not threads: each trains with its own TensorFlow runtime, and the storage is the only
thing they share, exactly like workers on other machines. Worker i gets sampler seed
`seed + i` so their random start-up trials differ; the trial budget is study-wide.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence


def worker_argv(base_args: Sequence[str], index: int, sampler_seed: int | None) -> list[str]:
    args = [sys.executable, "-m", "benchmark", "study", *base_args, "--workers", "1"]
    if sampler_seed is not None:
        args += ["--sampler-seed", str(sampler_seed + index)]
    return args


def run_workers(base_args: Sequence[str], count: int, sampler_seed: int | None, echo=print) -> int:
    """Start `count` workers, stream their output with a prefix, return the worst exit code."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "VITBENCH_WORKER_QUIET_SUMMARY": "1"}
    processes = [
        subprocess.Popen(
            worker_argv(base_args, i, sampler_seed),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        for i in range(count)
    ]
    import threading

    def pump(index: int, process: subprocess.Popen) -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            echo(f"[worker {index}] {line.rstrip()}")

    threads = [
        threading.Thread(target=pump, args=(i, p), daemon=True) for i, p in enumerate(processes)
    ]
    for thread in threads:
        thread.start()
    try:
        codes = [p.wait() for p in processes]
    except KeyboardInterrupt:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait()
        raise
    for thread in threads:
        thread.join(timeout=5)
    return max(codes, default=0)
