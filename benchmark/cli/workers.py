"""`--workers K` on one machine: K-1 (run) or K (study) child processes of the same command.

Processes, not threads: each trains with its own TensorFlow runtime and the storage is the only
thing they share, exactly like workers on other machines. Their output is streamed with a
`[worker i]` prefix; Ctrl-C or SIGTERM here stops every child.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence

from benchmark import environment

QUIET_ENV = environment.WORKER_QUIET_SUMMARY.name  # set in children: the parent prints the summary


def vitbench_argv(args: Sequence[str]) -> list[str]:
    """A `vitbench ARGS` command line that runs with this interpreter."""
    return [sys.executable, "-m", "benchmark", *args]


def is_worker() -> bool:
    return bool(environment.WORKER_QUIET_SUMMARY.get())


class LocalWorkers:
    """Child processes started together, stopped together."""

    def __init__(self, argvs: Sequence[Sequence[str]], echo: Callable[[str], None] = print):
        env = {**os.environ, "PYTHONUNBUFFERED": "1", QUIET_ENV: "1"}
        self.processes = [
            subprocess.Popen(
                list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
            )
            for argv in argvs
        ]
        self.threads = [
            threading.Thread(target=self._pump, args=(i, p, echo), daemon=True)
            for i, p in enumerate(self.processes)
        ]
        for thread in self.threads:
            thread.start()

    @staticmethod
    def _pump(index: int, process: subprocess.Popen, echo: Callable[[str], None]) -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            echo(f"[worker {index}] {line.rstrip()}")

    def wait(self) -> list[int]:
        """Exit codes of every child, once all have ended."""
        codes = [p.wait() for p in self.processes]
        for thread in self.threads:
            thread.join(timeout=5)
        return codes

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            process.wait()

    def __enter__(self) -> LocalWorkers:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.stop()
