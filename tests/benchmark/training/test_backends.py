"""Every Keras backend: the same random streams everywhere, bitwise reruns and exact resumes per
backend, and a smoke matrix of all three models that trains and logs on JAX and PyTorch with
TensorFlow hidden (an install without TensorFlow works)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from benchmark.config import MODELS, resolve_config
from benchmark.models.classifier import build_classifier
from benchmark.models.cost import model_cost
from tests.support.backends import backend_env, installed_backends, require, run_python
from tests.support.cli import run_vitbench

# 89 synthetic images -> 64 train / 7 validation / 18 test: two full batches of 32, so each
# backend compiles one training shape
TINY = ["--set", "data.synthetic_examples=89", "--set", "train.batch_size=32"]

STREAMS = """
import json, hashlib, keras, numpy as np
from benchmark.config import AugmentConfig
from benchmark.data.augment import Augmenter, Normalizer
from benchmark.data.dataset import ImageDataset
from benchmark.data.feeds import training_feed
count, size = 24, 8
x = np.random.default_rng(0).uniform(0, 255, (count, size, size, 3)).astype("float32")
ids = np.arange(count, dtype="int32")
data = ImageDataset("t", x, ids, x[:1], ids[:1], x[:1], ids[:1], count)
aug = Augmenter(AugmentConfig(contrast_factor=0.2), Normalizer(x), size)
order, pixels = [], []
for images, labels in training_feed(data, aug, 8, 5, 0, 2):
    order += np.argmax(np.asarray(labels), axis=1).tolist()
    pixels.append(np.asarray(keras.ops.convert_to_numpy(images)))
np.save("pixels.npy", np.stack(pixels))
print(json.dumps({"backend": keras.backend.backend(), "order": order}))
"""


def test_same_seed_same_order_and_transform_parameters_on_every_backend(tmp_path):
    backends = installed_backends()
    assert "tensorflow" in backends
    seen, pixels = {}, {}
    for backend in backends:
        folder = tmp_path / backend
        folder.mkdir()
        out = json.loads(run_python(backend, STREAMS, folder).splitlines()[-1])
        assert out["backend"] == backend
        seen[backend], pixels[backend] = out["order"], np.load(folder / "pixels.npy")
    reference = seen["tensorflow"]
    assert sorted(reference[:24]) == list(range(24)) and reference[:24] != reference[24:]
    for backend in backends:
        assert seen[backend] == reference, backend  # identical batch order
        # identical transform parameters: the same pixels up to each backend's resampling
        # arithmetic (interior pixels, away from the fill mode at the borders)
        np.testing.assert_allclose(
            pixels[backend][..., 2:-2, 2:-2, :],
            pixels["tensorflow"][..., 2:-2, 2:-2, :],
            atol=1e-3,
            err_msg=backend,
        )


RERUN = """
import hashlib, json, keras, pathlib
from benchmark.config import resolve_config
from benchmark.training.loop import train_and_evaluate

class Killed(Exception):
    pass

class StopAfterFirstEpoch:
    def on_start(self, info): pass
    def on_epoch_end(self, epoch, metrics):
        if epoch == 1:
            raise Killed

def digest(result):
    h = hashlib.sha256()
    for w in result.model.get_weights():
        h.update(w.tobytes())
    return h.hexdigest()

overrides = {"data": {"synthetic_examples": 89}, "train": {"epochs": 2, "backend": "BACKEND"},
             "model": {"attention_dropout_rate": 0.2, "mlp_dropout_rate": 0.2}}
config = resolve_config("smoke", "vit_sl", 0, overrides)
first = train_and_evaluate(config)
try:
    train_and_evaluate(config, StopAfterFirstEpoch(), pathlib.Path("ckpt"))
except Killed:
    pass
resumed = train_and_evaluate(config, None, pathlib.Path("ckpt"))
print(json.dumps({"backend": keras.backend.backend(), "first": digest(first),
                  "resumed": digest(resumed),
                  "from": resumed.resumed_from_epoch, "test": [first.test, resumed.test]}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_reruns_are_bitwise_equal_and_resume_is_exact_per_backend(backend, tmp_path):
    require(backend)
    code = RERUN.replace('"BACKEND"', repr(backend)).replace('"ckpt"', repr(str(tmp_path / "c")))
    out = json.loads(run_python(backend, code, tmp_path).splitlines()[-1])
    assert out["backend"] == backend
    # The interrupted run recomputes epoch 1 from scratch and the resumed one continues from its
    # checkpoint: equal final bits show both the rerun and the resume are exact.
    assert out["from"] == 1 and out["resumed"] == out["first"]
    assert out["test"][0] == out["test"][1]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_smoke_matrix_trains_and_logs_without_tensorflow(backend, tmp_path):
    require(backend)
    args = ["--preset", "smoke", "--epochs", "1", "--seeds", "0", "--backend", backend, *TINY]
    env = backend_env(backend, hide_tensorflow=True)
    done = run_vitbench(args, tmp_path, timeout=900, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    client = MlflowClient(f"sqlite:///{tmp_path / '.vitbench' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("vitbench")
    runs = client.search_runs([experiment.experiment_id], "tags.`vitbench.kind` = 'cell'")
    assert sorted(r.data.tags["model"] for r in runs) == sorted(MODELS)
    for run in runs:
        tags, metrics = run.data.tags, run.data.metrics
        assert run.info.status == "FINISHED" and tags["backend"] == backend
        assert f"version.{backend}" in tags and "version.tensorflow" not in tags
        assert run.data.params["train.backend"] == backend
        # parameter counts and FLOPs are the architecture's, whatever the backend
        config = resolve_config("smoke", tags["model"], 0, {"data": {"synthetic_examples": 89}})
        model = build_classifier(config.model, 16, 3, 4)
        assert metrics["params_total"] == model.count_params()  # a freshly built model
        assert metrics["flops_per_image"] == model_cost(config, 3, 4).flops
        assert 0.0 <= metrics["test_accuracy"] <= 1.0
        names = [m.name for m in client.search_logged_models([experiment.experiment_id],
                 filter_string=f"source_run_id = '{run.info.run_id}'")]  # fmt: skip
        assert names == [tags["vitbench.logged_model"]]
