"""`vitbench runs` (the leaderboard) and `--dry-run` over a real tiny matrix (`tiny_matrix`).

The leaderboard must carry MLflow's own values (its CSV parses with pandas and its top-1 column
IS the logged `test_accuracy`); a dry run must leave every store file byte-identical while
predicting exactly what the real run does (skip / resume / start, by the shared rule)."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from benchmark.cli.main import main
from tests.benchmark.cli.conftest import copy_store, snapshot
from tests.support.cli import TINY, local_client


def vitbench(args: list[str], cwd, monkeypatch, capsys) -> tuple[int, str, str]:
    """The console entry point in this process, in `cwd` (its ./.vitbench is the store)."""
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("VITBENCH_HOME", raising=False)
    code = 0
    try:
        main(args)
    except SystemExit as exit_info:
        code = exit_info.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_runs_csv_is_the_mlflow_record(tiny_matrix, monkeypatch, capsys):
    code, out, err = vitbench(["runs", "--format", "csv"], tiny_matrix.root, monkeypatch, capsys)
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert set(frame["run_id"]) == set(tiny_matrix.cell_run_ids)
    client = local_client(tiny_matrix.root)
    for row in frame.itertuples():
        run = client.get_run(row.run_id)
        metrics = run.data.metrics
        assert row.test_top1 == metrics["test_accuracy"]
        assert row.test_top5 == metrics["test_top5_accuracy"]
        assert row.best_val == metrics["best_val_accuracy"]
        assert row.params == int(run.data.params["params_total"])
        assert row.train_img_s == metrics["train_images_per_s"]
        assert (row.model, str(row.seed), row.preset, row.status) == (
            run.data.tags["model"], run.data.tags["seed"], "smoke", "FINISHED"
        )  # fmt: skip
        assert row.wall_s == pytest.approx((run.info.end_time - run.info.start_time) / 1000)
    assert list(frame["test_top1"]) == sorted(frame["test_top1"], reverse=True)  # best first
    # ... and `vitbench run` ended by saying where to look next, with this matrix's id
    assert f"vitbench runs --matrix {tiny_matrix.parent_run_id}" in tiny_matrix.output
    assert f"vitbench report --run {tiny_matrix.parent_run_id}" in tiny_matrix.output
    assert "vitbench ui" in tiny_matrix.output


def test_runs_filters_sorts_groups(tiny_matrix, monkeypatch, capsys):
    def rows(*args: str) -> list[dict]:
        code, out, err = vitbench(["runs", "--format", "json", *args], tiny_matrix.root,
                                  monkeypatch, capsys)  # fmt: skip
        assert code == 0, err
        return json.loads(out)

    everything = rows()
    assert [r["model"] for r in rows("--where", "model=vit")] == ["vit"]
    assert [r["model"] for r in rows("--where", "model.attention=external")] == ["eanet"]
    assert rows("--status", "FAILED,KILLED") == []
    ascending = rows("--sort", "test_top1", "--reverse")
    assert [r["run_id"] for r in ascending] == [r["run_id"] for r in reversed(everything)]
    groups = {g["model"]: g for g in rows("--group", "model")}
    for run in everything:
        assert groups[run["model"]]["n_finished"] == 1
        assert groups[run["model"]]["test_top1"] == run["test_top1"]
    code, _, err = vitbench(["runs", "--where", "no_such_key=1"], tiny_matrix.root, monkeypatch,
                            capsys)  # fmt: skip
    assert code == 2 and "error: unknown column 'no_such_key'" in err


def _cell_key(model: str, seed: int) -> str:
    from benchmark.matrix.request import MatrixRequest

    settings = tuple(TINY[i + 1] for i, arg in enumerate(TINY) if arg == "--set")
    request = MatrixRequest(models=model, seeds=str(seed), preset="smoke", epochs=1,
                            settings=settings)  # fmt: skip
    (cell,) = request.resolve().cells
    return cell.key


def test_dry_run_predicts_skip_resume_start_and_writes_nothing(tiny_matrix, tmp_path,
                                                               monkeypatch, capsys):  # fmt: skip
    """A copied store (so even the artifact-URI rewrite must wait), one cell KILLED with a local
    checkpoint (resume), one KILLED with only a shared one in its run artifacts (resume from it),
    one RUNNING with logged epochs but no checkpoint (start, closing it), and new cells."""
    from benchmark.training.checkpoint import CHECKPOINT_FILE, META_KEY

    work = copy_store(tiny_matrix, tmp_path / "copy")
    client = local_client(work)
    experiment_id = client.get_experiment_by_name("vitbench").experiment_id
    planted = {}
    for model, seed, status in (
        ("vit", 1, "KILLED"),
        ("eanet", 1, "RUNNING"),
        ("vit", 2, "KILLED"),
    ):
        key = _cell_key(model, seed)
        run = client.create_run(experiment_id, tags={"config_hash": key, "vitbench.kind": "cell"})
        meta = {"epochs_done": 1, "history": [], "config_hash": key}
        if status == "KILLED":
            client.set_terminated(run.info.run_id, "KILLED")
        if (model, seed) == ("vit", 1):
            folder = work / ".vitbench" / "checkpoints" / key
            folder.mkdir(parents=True)
            np.savez(folder / CHECKPOINT_FILE, **{META_KEY: np.array(json.dumps(meta))})
        elif (model, seed) == ("vit", 2):
            shared = tmp_path / "upload" / "epoch-00003.npz"
            shared.parent.mkdir(exist_ok=True)
            np.savez(shared, **{META_KEY: np.array(json.dumps({**meta, "epochs_done": 3}))})
            client.log_artifact(run.info.run_id, str(shared), "checkpoints")
        else:
            client.log_metric(run.info.run_id, "loss", 1.0, step=1)  # an epoch was logged
        planted[key] = run.info.run_id
    before = snapshot(work / ".vitbench")

    args = ["run", *TINY, "--models", "vit,eanet", "--seeds", "0,1,2", "--epochs", "1"]
    code, out, err = vitbench([*args, "--dry-run"], work, monkeypatch, capsys)
    assert code == 0, err
    assert snapshot(work / ".vitbench") == before  # byte-identical, no file added or removed
    actions = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 8 and len(cells[7]) == 16:
            actions[(cells[2], int(cells[3]))] = (cells[7], cells[8], cells[9])
    assert len(actions) == 6, out
    for (model, seed), (key, action, detail) in actions.items():
        assert key == _cell_key(model, seed)
        expected = {0: "skip", 1: "resume" if model == "vit" else "start", 2: "start"}[seed]
        expected = "resume" if (model, seed) == ("vit", 2) else expected
        assert action == expected, (model, seed, out)
        if seed == 0:
            assert detail.split()[-1] in tiny_matrix.cell_run_ids
        if key in planted:
            assert planted[key] in detail  # the run it resumes, or the stale run it would close
        if (model, seed) == ("vit", 2):
            assert "after epoch 3 from the shared checkpoint" in " ".join(detail.split()), out
    assert "would rewrite the artifact URIs" in out and "nothing was written" in out


def test_dry_runs_in_a_fresh_folder_create_nothing(tmp_path, monkeypatch, capsys):
    code, out, err = vitbench(["run", "--preset", "smoke", "--dry-run"], tmp_path, monkeypatch,
                              capsys)  # fmt: skip
    assert code == 0, err
    assert "does not exist yet" in out and out.count(" start ") >= 3
    code, out, err = vitbench(["study", "--model", "vit", "--preset", "smoke", "--trials", "4",
                               "--dry-run"], tmp_path, monkeypatch, capsys)  # fmt: skip
    assert code == 0, err
    assert "new study; would run 4 trial(s)" in out
    assert "patch_size (model.patch_size): one of [2, 4]" in out
    assert not (tmp_path / ".vitbench").exists()


def test_study_dry_run_counts_what_the_storage_holds(tiny_matrix, tmp_path, monkeypatch, capsys):
    import optuna
    from optuna.distributions import CategoricalDistribution
    from optuna.trial import TrialState, create_trial

    work = copy_store(tiny_matrix, tmp_path / "copy")
    storage = f"sqlite:///{work / '.vitbench' / 'optuna.db'}"
    study = optuna.create_study(study_name="eanet-smoke", storage=storage, direction="maximize")
    heads = {"num_heads": CategoricalDistribution([1, 2, 4])}
    for state, value in ((TrialState.COMPLETE, 0.5), (TrialState.PRUNED, None),
                         (TrialState.FAIL, None)):  # fmt: skip
        study.add_trial(create_trial(state=state, value=value, params={"num_heads": 2},
                                     distributions=heads))  # fmt: skip
    before = snapshot(work / ".vitbench")
    code, out, err = vitbench(["study", "--model", "eanet", "--preset", "smoke", "--trials", "5",
                               "--dry-run"], work, monkeypatch, capsys)  # fmt: skip
    assert code == 0, err
    assert "1 COMPLETE, 1 FAIL, 1 PRUNED" in out and "would run 3 more trial(s)" in out
    assert "maximize best_val_accuracy" in out
    assert snapshot(work / ".vitbench") == before
