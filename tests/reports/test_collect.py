"""The SQL fast path reads exactly what MlflowClient.search_runs returns, on the same store."""

from __future__ import annotations

import pandas as pd
import pytest

from reports.collect import collect_runs, fetch_histories, find_source
from reports.sqlread import is_sql_uri


@pytest.mark.parametrize(
    "selector",
    [{"run_id": "MATRIX"}, {"study": "tune-eanet"}, {"experiment": "small"}],
    ids=["matrix", "study", "experiment"],
)
def test_sql_path_equals_client_path(client, store, selector):
    selector = {k: store.matrix_id if v == "MATRIX" else v for k, v in selector.items()}
    source = find_source(client, **selector)
    slow = collect_runs(client, source).sort_values("run_id").reset_index(drop=True)
    fast = collect_runs(client, source, tracking_uri=store.uri)
    fast = fast.sort_values("run_id").reset_index(drop=True)
    assert set(fast.columns) == set(slow.columns)
    pd.testing.assert_frame_equal(fast[slow.columns], slow, check_dtype=False)
    assert len(fast) > 0 and fast["experiment_id"].notna().all()


def test_sql_histories_equal_client_histories(client, store):
    source = find_source(client, run_id=store.matrix_id)
    ids = collect_runs(client, source)["run_id"].head(4).tolist()
    keys = ["run_id", "key", "step"]
    slow = fetch_histories(client, ids).sort_values(keys).reset_index(drop=True)
    fast = fetch_histories(client, ids, tracking_uri=store.uri).sort_values(keys)
    pd.testing.assert_frame_equal(fast.reset_index(drop=True), slow, check_dtype=False)
    assert len(slow) == 4 * 2 * 3  # 4 runs x (val_accuracy, val_loss) x 3 epochs


def test_only_database_uris_take_the_sql_path():
    assert is_sql_uri("sqlite:///x/mlflow.db") and is_sql_uri("postgresql://u@h:5432/db")
    assert not is_sql_uri("http://127.0.0.1:5000") and not is_sql_uri("file:///tmp/mlruns")
