"""An interrupted spool replay keeps exactly the writes not yet applied (mutant
tracking-spool-replays-applied-again): nothing lost, nothing written twice."""

from __future__ import annotations

import json

from mlflow.tracking import MlflowClient

from benchmark.tracking import runs as tracking
from benchmark.tracking import spool


def _batch(step: int) -> dict:
    return {"op": "batch", "metrics": {"loss": 1.0 / (step + 1)}, "step": step, "ts": 1000 + step}


def test_replay_stops_at_a_failure_and_keeps_only_the_rest(mlflow_server, tmp_path, monkeypatch):
    monkeypatch.setenv("VITBENCH_HOME", str(tmp_path))
    client = MlflowClient(mlflow_server.url)
    experiment_id = tracking.get_experiment_id(client, "spool-replay", mlflow_server.url)
    run_id = client.create_run(experiment_id).info.run_id
    broken = {"op": "no-such-op"}  # apply() raises: the replay stops here
    ops = [_batch(1), _batch(2), broken, _batch(3)]
    for op in ops:
        spool.append(run_id, op)

    assert spool.replay(client, run_id) is False
    left = spool.run_dir(run_id) / spool.OPS_FILE
    assert [json.loads(line) for line in left.read_text().splitlines()] == ops[2:]
    history = client.get_metric_history(run_id, "loss")
    assert sorted(m.step for m in history) == [1, 2]  # each applied op exactly once

    left.write_text(json.dumps(ops[3]) + "\n")  # the broken write dropped by hand
    assert spool.replay(client, run_id) is True and not spool.has_pending(run_id)
    history = client.get_metric_history(run_id, "loss")
    assert sorted(m.step for m in history) == [1, 2, 3]
