"""`reports.leaderboard` (behind `vitbench runs`) on the schema-true fixture store: FAILED and
KILLED cells are listed (never averaged), a study lists its trials best objective first, an
experiment keeps the newest run of a re-run cell, and the group summary uses FINISHED runs only."""

from __future__ import annotations

import pytest

from reports import leaderboard as lb


def board(client, **selector):
    return lb.leaderboard(client, lb.find_leaderboard_source(client, **selector))


def test_matrix_lists_every_cell_and_summaries_skip_unfinished(client, store):
    frame = board(client, matrix=store.matrix_id)
    assert len(frame) == 3 * 5 + 2
    by_id = frame.set_index("run_id")
    assert by_id.loc[store.failed_id, "status"] == "FAILED"
    assert by_id.loc[store.killed_id, "status"] == "KILLED"
    summary = lb.group_summary(frame, ["model"]).set_index("model")
    finished = frame[frame["status"] == "FINISHED"]
    for model in ("vit", "vit_sl", "eanet"):
        mine = finished[finished["model"] == model]["test_top1"]
        assert summary.loc[model, "n"] == (5 if model == "vit_sl" else 6)
        assert summary.loc[model, "n_finished"] == 5
        assert summary.loc[model, "test_top1"] == pytest.approx(mine.mean())  # 0.99 left out


def test_latest_matrix_is_the_default(client, store):
    assert set(board(client)["run_id"]) == set(board(client, matrix=store.matrix_id)["run_id"])


def test_study_lists_trials_best_objective_first(client, store):
    frame = board(client, study="tune-eanet")
    assert sorted(frame["trial"]) == list(range(8))
    assert list(frame["objective"]) == sorted(frame["objective"], reverse=True)
    assert "PRUNED" in set(frame["state"])
    assert "objective" in lb.columns_of(frame) and "trial" in lb.columns_of(frame)


def test_experiment_keeps_the_newest_run_of_a_rerun_cell(client, store):
    frame = board(client, experiment="small")
    vit0 = frame[(frame["model"] == "vit") & (frame["seed"] == 0)]
    assert len(vit0) == 1 and vit0["test_top1"].item() == pytest.approx(0.20)  # not 0.90
    assert len(frame) == 3 + 6


def test_where_reads_config_keys_and_unknown_keys_are_named(client, store):
    frame = board(client, study="tune-eanet")
    four = lb.select(frame, where=[("model.dim_coefficient", "4")])
    assert len(four) == 4 and set(four["param.model.dim_coefficient"]) == {"4"}
    with pytest.raises(lb.UnknownColumnError, match="unknown column 'nope'"):
        lb.select(frame, where=[("nope", "1")])
