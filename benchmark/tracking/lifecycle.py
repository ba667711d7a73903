"""One tracked training, start to end: train into an open run, then map how it ended to ONE
status, in one place (Optuna's `_run_trial` is the model). Cells, study trials and perf call it.

- returned normally -> FINISHED (final metrics, artifacts and model logged);
- an exception of `stopped_by` (e.g. Optuna's TrialPruned) -> KILLED: stopped on purpose;
- a stop signal (`Preempted`) or Ctrl-C -> KILLED, then re-raised: the process is stopping;
- any other exception -> FAILED with its reason (NaN loss, OOM, bad shapes): the caller goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmark.errors import VitbenchError
from benchmark.tracking.run_logger import RunLogger
from benchmark.training.loop import TrainResult
from benchmark.training.preemption import Preempted
from reports.names import Status

log = logging.getLogger(__name__)

PREEMPTED = "preempted ({signal}): handed back to the queue; resumes from its last checkpoint on the next worker"  # noqa: E501
INTERRUPTED = "interrupted (SIGTERM or Ctrl-C); rerun to resume"


@dataclass
class RunOutcome:
    """How one tracked run ended: its status, run id, final metrics and the failure reason."""

    status: Status
    run_id: str
    metrics: dict[str, float] = field(default_factory=dict)
    reason: str = ""
    result: TrainResult | None = field(default=None, repr=False)
    error: BaseException | None = field(default=None, repr=False)


@dataclass
class Ending:
    """What a caller adds to the run as it ends (a trial's objective and Optuna state)."""

    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


def failure_reason(exc: BaseException) -> str:
    """A user error says what to fix; anything else names its type (its traceback is logged)."""
    return str(exc) if isinstance(exc, VitbenchError) else f"{type(exc).__name__}: {exc}"


def run_tracked(
    logger: RunLogger,
    train: Callable[[], TrainResult],
    stopped_by: tuple[type[BaseException], ...] = (),
    ending: Callable[[Status, TrainResult | None, BaseException | None], Ending] | None = None,
) -> RunOutcome:
    """Run `train()` into `logger`'s run and close it with the one status its ending maps to."""

    def close(status: Status, result=None, error=None) -> Ending:
        return ending(status, result, error) if ending is not None else Ending()

    try:
        result = train()
    except Preempted as stop:
        reason = PREEMPTED.format(signal=stop.signal_name)
        _fail(logger, reason, Status.KILLED, close(Status.KILLED))
        raise
    except KeyboardInterrupt:
        _fail(logger, INTERRUPTED, Status.KILLED, close(Status.KILLED))
        raise
    except stopped_by as stop:
        _fail(logger, str(stop), Status.KILLED, close(Status.KILLED, error=stop))
        return RunOutcome(Status.KILLED, logger.run_id, reason=str(stop), error=stop)
    except Exception as exc:
        reason = failure_reason(exc)
        if not isinstance(exc, VitbenchError):
            log.error("run %s failed", logger.run_id, exc_info=exc)
        _fail(logger, reason, Status.FAILED, close(Status.FAILED, error=exc))
        return RunOutcome(Status.FAILED, logger.run_id, reason=reason, error=exc)
    extra = close(Status.FINISHED, result)
    if extra.tags:
        logger.writer.log(tags=extra.tags)
    logger.finish(result, extra.metrics)
    metrics = {**result.final_metrics(), **extra.metrics}
    return RunOutcome(Status.FINISHED, logger.run_id, metrics, result=result)


def _fail(logger: RunLogger, reason: str, status: Status, extra: Ending) -> None:
    if extra.metrics or extra.tags:
        logger.writer.log(metrics=extra.metrics, tags=extra.tags)
    logger.fail(reason, status=status)
