"""SIGTERM, SIGUSR1 (Slurm's warning before a time limit) and SIGINT: inside training a signal
waits for the next step boundary; outside it, or the second time, it stops at once."""

from __future__ import annotations

import os
import signal

import pytest

from benchmark.training import preemption


@pytest.fixture(autouse=True)
def handlers():
    saved = {sig: signal.getsignal(sig) for sig in preemption.SIGNALS}
    preemption.install()
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    assert preemption.requested() is None  # a delivered stop leaves nothing behind


def _let_the_handler_run() -> None:
    for _ in range(1000):  # Python runs signal handlers between bytecodes
        pass


@pytest.mark.parametrize("sig", preemption.SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_inside_training_a_signal_waits_for_the_step_boundary(sig):
    name, reached = signal.Signals(sig).name, []
    with pytest.raises(preemption.Preempted) as stopped, preemption.cooperative():
        os.kill(os.getpid(), sig)  # delivered mid-step
        _let_the_handler_run()
        reached.append(preemption.requested())  # noted, nothing raised mid-step
        preemption.stop_if_requested()
        reached.append("past the boundary")
    assert reached == [name]
    assert stopped.value.signal_name == name
    assert isinstance(stopped.value, KeyboardInterrupt)  # every cleanup of an interrupt runs


def test_outside_training_a_signal_stops_at_once():
    with pytest.raises(preemption.Preempted) as stopped:
        os.kill(os.getpid(), signal.SIGTERM)
        _let_the_handler_run()
        raise AssertionError("not reached")
    assert stopped.value.signal_name == "SIGTERM"


def test_a_second_signal_stops_a_stuck_step_at_once():
    reached = []
    with pytest.raises(preemption.Preempted) as stopped, preemption.cooperative():
        os.kill(os.getpid(), signal.SIGUSR1)
        _let_the_handler_run()
        reached.append(preemption.requested())
        os.kill(os.getpid(), signal.SIGTERM)  # no boundary came: the second one raises
        _let_the_handler_run()
        reached.append("not stopped")
    assert reached == ["SIGUSR1"] and stopped.value.signal_name == "SIGTERM"


def test_a_signal_during_the_last_epochs_save_still_stops_the_cell():
    reached = []
    with pytest.raises(preemption.Preempted), preemption.cooperative():
        os.kill(os.getpid(), signal.SIGTERM)  # fit returns without another step boundary
        _let_the_handler_run()
        reached.append("the save completes")
    assert reached == ["the save completes"]
