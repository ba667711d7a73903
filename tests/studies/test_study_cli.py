"""`vitbench study` end to end in a subprocess: real training, real Optuna and MLflow stores.

A ThresholdPruner above any accuracy (hidden `--prune-below 1.1`) makes pruning deterministic:
every trial is pruned at epoch 1. Re-running the same study name then resumes it without
pruning, reuses the parent run, and exports the best trial as a preset that resolves."""

from __future__ import annotations

import re

import optuna
import pytest
from optuna.trial import TrialState

from benchmark.config import load_preset, resolve_config, resolved_attention, resolved_tokenizer
from tests.support.cli import local_client
from tests.support.studies import TINY_STUDY, local_storage, run_study, runs_of


def _study(cwd, name: str):
    return optuna.load_study(study_name=name, storage=local_storage(cwd))


def _trials(cwd, name: str) -> list:
    return _study(cwd, name).get_trials()


@pytest.mark.slow
def test_pruned_study_then_resume_and_export_best(tmp_path) -> None:
    name = "eanet-tiny"
    done = run_study([*TINY_STUDY, "--trials", "4", "--study-name", name, "--prune-below", "1.1"],
                     tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    trials = _trials(tmp_path, name)
    assert len(trials) == 4
    assert [t.state for t in trials] == [TrialState.PRUNED] * 4
    assert all(sorted(t.intermediate_values) == [1] for t in trials)  # stopped after epoch 1

    client = local_client(tmp_path)
    (parent,) = runs_of(client, "study")
    assert parent.data.tags["vitbench.study_name"] == name
    assert parent.data.tags["vitbench.directions"] == "maximize"
    children = runs_of(client, "trial")
    assert len(children) == 4
    by_number = {int(r.data.tags["optuna.trial_number"]): r for r in children}
    for trial in trials:
        run = by_number[trial.number]
        tags = run.data.tags
        assert tags["mlflow.parentRunId"] == parent.info.run_id
        assert tags["optuna.study_name"] == name and tags["optuna.state"] == "PRUNED"
        assert run.info.status == "KILLED" and tags["failure_reason"].startswith(
            "pruned at epoch 1"
        )
        for key, value in trial.params.items():
            assert run.data.params[f"optuna.{key}"] == str(value)
            assert run.data.params[f"model.{key}" if key != "learning_rate"
                                   else "train.learning_rate"] == str(value)  # fmt: skip
        assert [m.step for m in client.get_metric_history(run.info.run_id, "val_accuracy")] == [1]

    done = run_study([*TINY_STUDY, "--trials", "5", "--study-name", name, "--pruner", "none",
                      "--export-best", "tuned"], tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    trials = _trials(tmp_path, name)
    assert [t.state for t in trials] == [TrialState.PRUNED] * 4 + [TrialState.COMPLETE]
    assert len(runs_of(client, "study")) == 1  # the parent is reused on resume
    children = {int(r.data.tags["optuna.trial_number"]): r for r in runs_of(client, "trial")}
    assert sorted(children) == list(range(5))
    run = children[4]
    assert run.info.status == "FINISHED" and run.data.tags["optuna.state"] == "COMPLETE"
    # Optuna's value is the best val_accuracy the MLflow run logged; what was reported to Optuna
    # per epoch is what MLflow holds per epoch (see the next test for best versus last).
    history = {m.step: m.value for m in client.get_metric_history(run.info.run_id, "val_accuracy")}
    assert sorted(history) == [1, 2, 3]
    assert trials[4].intermediate_values == history
    assert trials[4].value == max(history.values())
    assert run.data.metrics["objective"] == trials[4].value
    assert {a.path for a in client.list_artifacts(run.info.run_id)} >= {
        "config.yaml",
        "history.csv",
    }

    best = trials[4]
    assert f"best trial {best.number}: best_val_accuracy={best.value:.4f}" in done.stdout
    assert re.search(rf"trial 4: COMPLETE best_val_accuracy={best.value:.4f} ", done.stdout)
    assert not re.search(r"\d\.\d{7,}", done.stdout), done.stdout  # values rounded for people
    assert "complete 1  pruned 4  failed 0" in done.stdout  # the running tally after each trial
    assert f"vitbench runs --study {name}" in done.stdout  # where to look next
    assert f"vitbench report --study {name}" in done.stdout
    assert _study(tmp_path, name).metric_names == ["best_val_accuracy"]  # named in the dashboard
    preset = load_preset_in(tmp_path, "tuned")
    exported = resolve_config(preset, None, 0)
    trial_params = children[best.number].data.params
    built = {
        "model.tokenizer": resolved_tokenizer(exported),
        "model.attention": resolved_attention(exported),
    }  # runs log the resolved parts
    for key, value in {**exported.flatten(), **built}.items():
        if key != "preset":
            assert trial_params[key] == str(value), key


def load_preset_in(cwd, name: str):
    """`load_preset` looks in ./.vitbench/presets of the working directory."""
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        return load_preset(name)
    finally:
        os.chdir(old)


@pytest.fixture
def in_process(tmp_path, monkeypatch):
    """Invoke `vitbench study` in this process (no second TensorFlow start-up), in tmp_path."""
    import signal

    from click.testing import CliRunner

    from benchmark.cli.main import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    handler = signal.getsignal(signal.SIGTERM)

    def invoke(args: list[str]):
        return CliRunner().invoke(cli, ["study", *args])

    yield invoke
    signal.signal(signal.SIGTERM, handler)  # the command turns SIGTERM into KeyboardInterrupt


def test_objective_is_the_best_epoch_val_accuracy_the_run_logged(tmp_path, in_process) -> None:
    """One trial whose val_accuracy peaks before its last epoch (learning rate 0.3 on the tiny
    data, deterministic): Optuna's value must be the peak of the MLflow run's val_accuracy
    history, not the last epoch's, nor a training accuracy."""
    space = tmp_path / "space.yaml"
    space.write_text("eanet:\n  num_heads: [2]\n  learning_rate: [0.3]\n")
    args = [*TINY_STUDY, "--set", "train.epochs=4", "--space", str(space), "--trials", "1",
            "--pruner", "none"]  # fmt: skip
    result = in_process(args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    (trial,) = _trials(tmp_path, "eanet-smoke")
    assert trial.state == TrialState.COMPLETE
    client = local_client(tmp_path)
    (run,) = runs_of(client, "trial")
    history = {m.step: m.value for m in client.get_metric_history(run.info.run_id, "val_accuracy")}
    assert sorted(history) == [1, 2, 3, 4]
    best = max(history.values())
    best_epoch = min(step for step, value in history.items() if value == best)
    assert history[4] < best, f"precondition: the curve must peak before the end, got {history}"
    train = [m.value for m in client.get_metric_history(run.info.run_id, "accuracy")]
    assert best not in train, "precondition: the best val and train accuracies must differ"

    assert trial.intermediate_values == history  # epoch k reported as step k, val_accuracy
    assert trial.value == best
    assert run.data.metrics["best_epoch"] == best_epoch
    assert run.data.metrics["objective"] == trial.value


def test_study_file_multi_objective_prints_the_pareto_front(tmp_path, in_process) -> None:
    study_file = tmp_path / "study.yaml"
    study_file.write_text(
        "model: eanet\npreset: smoke\ntrials: 2\nmulti_objective: true\n"
        "overrides: {data: {synthetic_examples: 160}, train: {epochs: 1}}\n"
    )
    result = in_process([str(study_file)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "Pareto front" in result.output
    study = optuna.load_study(study_name="eanet-smoke-mo-params", storage=local_storage(tmp_path))
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MINIMIZE"]
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2
    client = local_client(tmp_path)
    (parent,) = runs_of(client, "study")
    assert parent.data.tags["vitbench.directions"] == "maximize,minimize"
    by_number = {t.number: t for t in study.trials}
    for run in runs_of(client, "trial"):
        assert run.data.params["data.synthetic_examples"] == "160"
        assert run.data.metrics["objective_1"] == run.data.metrics["params_total"]
        (epoch_1,) = client.get_metric_history(run.info.run_id, "val_accuracy")
        trial = by_number[int(run.data.tags["optuna.trial_number"])]
        assert trial.values == [epoch_1.value, run.data.metrics["params_total"]]


def test_failed_trial_is_recorded_and_a_changed_setup_is_refused(tmp_path, in_process) -> None:
    """A diverging trial (NaN loss) is FAIL in Optuna and FAILED in MLflow, with the reason; the
    same study name with another base config is refused before any training."""
    space = tmp_path / "nan.yaml"
    space.write_text("eanet:\n  num_heads: [2]\n  learning_rate: [1.0e+12]\n")
    args = [*TINY_STUDY, "--trials", "1", "--set", "train.epochs=1", "--space", str(space)]
    result = in_process(args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    (failed,) = _trials(tmp_path, "eanet-smoke")
    assert failed.state == TrialState.FAIL
    assert "non-finite" in failed.user_attrs["failure_reason"]
    (run,) = runs_of(local_client(tmp_path), "trial")
    assert run.info.status == "FAILED" and run.data.tags["optuna.state"] == "FAIL"
    assert "non-finite" in run.data.tags["failure_reason"]

    result = in_process([*args, "--set", "model.depth=2"])
    assert "was started with a different setup" in str(result.exception)
    assert "base_config_hash" in str(result.exception)
    assert len(_trials(tmp_path, "eanet-smoke")) == 1


def test_unreachable_storage_is_a_clear_error_without_the_password() -> None:
    from benchmark.config import ConfigError
    from studies.storage import open_storage

    url = "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"
    with pytest.raises(ConfigError) as info:
        open_storage(url)
    assert "study storage postgresql+psycopg://nobody:***@127.0.0.1:1/none" in str(info.value)
    assert "secret" not in str(info.value)
