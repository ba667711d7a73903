"""Preemption: SIGTERM, SIGUSR1 (Slurm's `--signal=B:USR1@60`) and Ctrl-C stop training at a
step boundary, never inside a checkpoint write or an upload.

While `fit` runs (`cooperative()`), the first signal only sets a flag; `EpochObserver` raises
`Preempted` before the next step, so the last completed epoch's checkpoint is whole and
published. Outside training, or on a second signal, `Preempted` is raised at once (a stuck worker
still stops). `Preempted` is a KeyboardInterrupt: every `except KeyboardInterrupt` cleanup runs.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1)


class Preempted(KeyboardInterrupt):
    """The worker was asked to stop: its cell goes back to the queue."""

    def __init__(self, signal_name: str):
        super().__init__(signal_name)
        self.signal_name = signal_name


_state: dict[str, object] = {"requested": None, "cooperative": False}


def _handler(signum, frame) -> None:
    name = signal.Signals(signum).name
    if _state["requested"] is not None or not _state["cooperative"]:
        _state["requested"] = None
        raise Preempted(name)
    _state["requested"] = name


def install() -> None:
    """Route SIGTERM, SIGINT and SIGUSR1 here (main thread only, as Python requires)."""
    _state["requested"] = None
    for sig in SIGNALS:
        signal.signal(sig, _handler)


def requested() -> str | None:
    """The pending signal's name, or None."""
    return _state["requested"]  # type: ignore[return-value]


def stop_if_requested() -> None:
    """Raise `Preempted` when a signal arrived: call it at a step boundary."""
    name = requested()
    if name is not None:
        _state["requested"] = None  # delivered: a later signal during cleanup stops at once
        raise Preempted(name)


@contextmanager
def cooperative() -> Iterator[None]:
    """Within the block a signal waits for the next step boundary."""
    before = _state["cooperative"]
    _state["cooperative"] = True
    try:
        yield
        stop_if_requested()  # a signal during the last epoch's checkpoint still stops the cell
    finally:
        _state["cooperative"] = before
