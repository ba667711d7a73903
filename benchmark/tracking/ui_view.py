"""Make MLflow 3's UI open an experiment on its training runs, with the columns that matter.

MLflow 3.17 opens an experiment on its GenAI overview: its page follows the URL parameter
`workflowType` (else the browser's last "GenAI / Model training" toggle, kept in localStorage,
default GenAI), so only a URL with `workflowType=machine_learning` opens the runs. MLflow 3 UIs
without that toggle pick the tab from the experiment tag `mlflow.experimentKind`; vitbench sets it
to `custom_model_development` (training) as well. The runs table shows Source, Models and
Dataset by default, hiding test accuracy, model and seed behind "Show more columns". There is no
server-side setting for default columns; what the UI does offer is a *shared view*: the JSON view
state stored in the experiment tag `mlflow.sharedViewState.<key>` is applied when the URL carries
`viewStateShareKey=<key>` (what its "Share" button writes). vitbench writes one such view (child
runs only, our columns, best test accuracy first) and prints the URL that opens it.
"""

from __future__ import annotations

import json

from mlflow.tracking import MlflowClient

from reports import names

KIND_TAG = "mlflow.experimentKind"
KIND = "custom_model_development"  # the training-runs kind of MLflow 3's experiment page
VIEW_KEY = "vitbench-runs"
VIEW_TAG = f"mlflow.sharedViewState.{VIEW_KEY}"


def _column(kind: str, key: str) -> str:
    return f"{kind}.`{key}`"  # the UI's canonical column key


COLUMNS = [
    names.search_key(names.MODEL),
    names.search_key(names.SEED),
    names.search_key(names.PRESET),
    names.search_key(names.DATASET),
    _column("metrics", "test_accuracy"),
    _column("metrics", "test_top5_accuracy"),
    _column("metrics", "best_val_accuracy"),
    _column("metrics", "params_total"),
    _column("metrics", "train_images_per_s"),
    _column("attributes", "Duration"),
]


def view_state() -> dict:
    """Child runs (matrix cells and study trials) only, best test accuracy first."""
    return {
        "searchFilter": f"{names.search_key(names.PARENT_RUN_ID)} IS NOT NULL",
        "orderByKey": _column("metrics", "test_accuracy"),
        "orderByAsc": False,
        "selectedColumns": COLUMNS,
    }


def runs_url(base_url: str, experiment_id: str) -> str:
    return (f"{base_url.rstrip('/')}/#/experiments/{experiment_id}/runs"
            f"?workflowType=machine_learning&viewStateShareKey={VIEW_KEY}")  # fmt: skip


def prepare_runs_view(client: MlflowClient, experiment_id: str) -> None:
    """Tag the experiment so its page opens on the runs table, in vitbench's shared view.

    A kind the user chose in the UI is kept; the view is rewritten (it is vitbench's own key)."""
    experiment = client.get_experiment(experiment_id)
    if KIND_TAG not in experiment.tags:
        client.set_experiment_tag(experiment_id, KIND_TAG, KIND)
    state = json.dumps(view_state(), sort_keys=True)
    if experiment.tags.get(VIEW_TAG) != state:
        client.set_experiment_tag(experiment_id, VIEW_TAG, state)
