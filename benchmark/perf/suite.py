"""Plan the jobs, alternate their variants over repeats, reduce to medians and ratios."""

from __future__ import annotations

import importlib.metadata
import logging
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import keras

from benchmark import paths
from benchmark.config import input_size, resolve_config
from benchmark.perf.mfu import measure_matmul_ceiling, median, mfu, ratio
from benchmark.perf.variants import VARIANTS, random_dataset
from benchmark.training import determinism
from reports.timing import time_report

log = logging.getLogger(__name__)

# Seed recipes: the keras-io preset and the model it was written for.
RECIPES = {"eanet": ("keras-io-eanet", "eanet"), "vit-small-ds": ("keras-io-vit-small-ds", "vit")}


@dataclass(frozen=True)
class PerfSettings:
    models: tuple[str, ...] = ("vit", "vit_sl", "eanet")
    preset: str = "keras-io-eanet"
    recipes: tuple[str, ...] = ("eanet", "vit-small-ds")
    batch_size: int = 128
    steps: int = 3
    repeats: int = 3
    measured_epochs: int = 1
    depth: int | None = 2  # reduced depth, labelled in the table and the JSON; None = preset's
    xla: bool = True  # also time the harness with XLA on the overhead jobs
    stream: bool = False  # also time bare fed through one tf.data stream
    precision: str = "float32"  # train.precision of every variant (mixed_bfloat16 on GPUs)
    report_runs: int = 10_000
    report_root: str = field(default_factory=lambda: str(paths.perf_root() / "report-store"))


@dataclass
class Job:
    """One (preset, model) measured with several variants alternated."""

    name: str
    preset: str
    model: str
    variants: list[str]
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def plan_jobs(settings: PerfSettings) -> list[Job]:
    """Overhead jobs (harness vs bare) per model; a recipe adds `seed` to its job."""
    stream = settings.stream and keras.backend.backend() == "tensorflow"  # a tf.data variant
    overhead = ["harness", "bare"] + ["stream"] * stream + ["xla"] * settings.xla
    jobs = {m: Job(m, settings.preset, m, list(overhead)) for m in settings.models}
    for recipe in settings.recipes:
        if recipe not in RECIPES:
            raise ValueError(f"unknown recipe {recipe!r}; choose from {', '.join(RECIPES)}")
        preset, model = RECIPES[recipe]
        same = [j for j in jobs.values() if (j.preset, j.model) == (preset, model)]
        if same:
            same[0].variants.append("seed")
        else:
            jobs[f"{model}@{recipe}"] = Job(f"{model}@{recipe}", preset, model, ["harness", "seed"])
    return list(jobs.values())


def job_config(job: Job, settings: PerfSettings):

    train = {
        "batch_size": settings.batch_size,
        "epochs": 1 + settings.measured_epochs,
        "backend": keras.backend.backend(),  # what this process runs (perf --backends spawns)
        "precision": settings.precision,
    }
    overrides: dict[str, Any] = {"train": train}
    if settings.depth is not None:
        overrides["model"] = {"depth": settings.depth}
    return resolve_config(job.preset, job.model, 0, overrides)


def run_suite(settings: PerfSettings) -> dict[str, Any]:
    """Measure everything; returns the JSON-ready figures."""

    began = time.perf_counter()
    jobs = plan_jobs(settings)
    configs = {job.name: job_config(job, settings) for job in jobs}
    batch = settings.batch_size
    data = {
        job.name: random_dataset(32, 100, settings.steps * batch, batch, 2 * batch) for job in jobs
    }
    ceilings = [measure_matmul_ceiling()]
    log.info(f"matmul ceiling: {ceilings[0] / 1e9:.1f} GFLOP/s")
    for repeat in range(settings.repeats):
        for job in jobs:
            for variant in job.variants:
                t0 = time.perf_counter()
                sample = VARIANTS[variant](configs[job.name], data[job.name])
                job.samples.setdefault(variant, []).append(sample)
                log.info(
                    f"repeat {repeat + 1}/{settings.repeats} {job.name:<18} {variant:<8}"
                    f" {sample['train_images_per_s']:7.1f} img/s ({time.perf_counter() - t0:.0f} s)"
                )
    ceilings.append(measure_matmul_ceiling())
    ceiling = max(ceilings)
    report = {}
    if settings.report_runs:  # 0: a `perf --backends` child; the parent's first child times it
        log.info(f"report over {settings.report_runs} runs ...")
        report = time_report(settings.report_runs, Path(settings.report_root))
    figures = {
        "settings": asdict(settings),
        "conventions": CONVENTIONS,
        "environment": _environment(),
        "matmul_ceiling_flops_per_s": ceiling,
        "matmul_ceiling_samples": ceilings,
        "jobs": [summarise(j, configs[j.name], input_size(configs[j.name]), ceiling) for j in jobs],
        "report": {"runs": settings.report_runs, **report},
        "wall_s": time.perf_counter() - began,
    }
    return figures


def summarise(job: Job, config, size: int, ceiling: float) -> dict[str, Any]:
    """Medians per variant, ratios against the harness, MFU of the harness."""
    epoch_images = full_epoch_images(config)
    for rows in job.samples.values():
        for sample in rows:
            sample["full_epoch_images_per_s"] = projected_rate(sample, epoch_images)
    med = {v: {k: median([s[k] for s in rows]) for k in rows[0]} for v, rows in job.samples.items()}
    harness = med["harness"]
    out: dict[str, Any] = {
        "job": job.name,
        "preset": job.preset,
        "model": job.model,
        "depth": config.model.depth,
        "input_size": size,
        "batch_size": config.train.batch_size,
        "full_epoch_images": epoch_images,
        "samples": job.samples,
        "median": med,
        "train_mfu": mfu(int(harness["flops_per_image"]), harness["train_images_per_s"],
                         ceiling, training=True),
        "inference_mfu": mfu(int(harness["flops_per_image"]), harness["inference_images_per_s"],
                             ceiling, training=False),
    }  # fmt: skip
    for key, numerator, denominator, _, figure in RATIOS:
        if numerator in job.samples and denominator in job.samples:
            top, bottom = job.samples[numerator], job.samples[denominator]
            out[f"{key}_samples"] = paired_ratios(top, bottom, figure)
            out[key] = median(out[f"{key}_samples"])
            out[f"{key}_best"] = best_ratio(top, bottom, figure)
    if "seed" in job.samples:
        batch = config.train.batch_size
        bounds = [
            augmentation_bound(s["train_images_per_s"], s["augment_ms_per_batch"], batch)
            for s in job.samples["seed"]
        ]
        out["augmentation_bound"] = median(bounds)
    return out


# (key, numerator variant, denominator variant, table label, per-sample figure): each ratio is
# reported as `key` (median of paired), `key_samples` and `key_best`.
EPOCH, STEPS, FULL = "train_images_per_s", "step_images_per_s", "full_epoch_images_per_s"
RATIOS = (
    ("overhead_ratio", "harness", "bare", "h/bare", EPOCH),
    ("xla_ratio", "xla", "harness", "xla/h", EPOCH),
    ("stream_ratio", "harness", "stream", "h/stream", EPOCH),
    ("speedup_over_seed", "harness", "seed", "h/seed", EPOCH),
    ("overhead_ratio_steps", "harness", "bare", "h/bare steps", STEPS),
    ("speedup_over_seed_steps", "harness", "seed", "h/seed steps", STEPS),
    ("overhead_ratio_full_epoch", "harness", "bare", "h/bare full epoch", FULL),
    ("speedup_over_seed_full_epoch", "harness", "seed", "h/seed full epoch", FULL),
)


def paired_ratios(
    numerators: list[dict], denominators: list[dict], key: str = EPOCH
) -> list[float]:
    """Per-repeat ratios of variants timed back to back: slow drift of a shared machine cancels
    within a pair, where a ratio of two separate medians would keep it."""
    return [ratio(a[key], b[key]) for a, b in zip(numerators, denominators, strict=True)]


def best_ratio(numerators: list[dict], denominators: list[dict], key: str = EPOCH) -> float:
    """Ratio of each variant's fastest sample: contention on a shared machine only slows a
    sample down, so the best of N approximates the uncontended speed (robust to slow phases that
    a median of few repeats is not)."""
    return ratio(max(a[key] for a in numerators), max(b[key] for b in denominators))


def full_epoch_images(config) -> int:
    """Training images in one epoch of the recipe's real dataset (CIFAR: 50,000 before the
    validation split): perf's epochs are a few steps long, real ones hundreds."""
    return round(50_000 * (1 - config.data.validation_fraction))


def projected_rate(sample: dict[str, float], images: int) -> float:
    """Images/s of an epoch of `images` at this sample's step speed plus its per-epoch feed
    setup: the setup (seconds per epoch, whatever the epoch's length) weighs as much as it
    would in a real epoch, not as much as in perf's short one."""
    return images / (sample["epoch_setup_s"] + images / sample[STEPS])


def augmentation_bound(seed_images_per_s: float, augment_ms: float, batch: int) -> float:
    """What taking the seed's in-model augmentation off the step can win at most: its step time
    over the step time without the augmentation block's compute. Anything the harness wins
    beyond it comes from elsewhere in the input path (Keras feeding in-memory arrays per step)."""
    step_ms = 1000.0 * batch / seed_images_per_s
    return step_ms / max(step_ms - augment_ms, 1e-9)


DISTRIBUTIONS = {"tensorflow": ("tensorflow-cpu", "tensorflow")}  # else the backend's own name


def _environment() -> dict[str, Any]:
    backend = keras.backend.backend()
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        backend: _version(
            *{"tensorflow": ("tensorflow-cpu", "tensorflow")}.get(backend, (backend,))
        ),
        "keras": keras.__version__,
        **determinism.settings(),
    }


def _version(*distributions: str) -> str:
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "unknown"


CONVENTIONS = {
    "data": "random uint8-range arrays (CIFAR is offline-unavailable), 32x32x3, 100 classes",
    "train_images_per_s": "median over steady epochs (epoch 1 = tracing skipped) of images / "
    "(epoch begin -> end of training steps); validation and per-epoch hooks excluded",
    "harness": "benchmark.training.train_and_evaluate + RunLogger on a throwaway sqlite store",
    "bare": "same build_classifier + compile_model, model.fit on normalised in-memory arrays, "
    "no augmentation, no callbacks but the harness's EpochObserver as clock",
    "stream": "bare, but the arrays fed as one repeated tf.data stream (not Keras' array adapter)",
    "xla": "the harness with train.jit_compile=true (XLA; op determinism off, as XLA requires)",
    "seed": "keras-io formulation: keras.Sequential augmentation in the model, fit on raw arrays",
    "ratios": "median over repeats of the ratio of two variants timed back to back (paired); "
    "*_best: ratio of the two variants' fastest samples",
    "epoch_setup_s": "epoch begin -> first training step: the feed's per-epoch start (over a "
    "finite dataset, e.g. in-memory arrays, Keras tears down the previous epoch's iterator and "
    "creates a new one there)",
    "step_images_per_s": "images / (first training step -> end of the training steps)",
    "full_epoch_images_per_s": "projected: full_epoch_images / (epoch_setup_s + full_epoch_images "
    "/ step_images_per_s), the recipe's real epoch length (perf's epochs are a few steps)",
    "augmentation_bound": "seed step time / (seed step time - its augmentation block's time): the "
    "speed-up over the seed that moving its augmentation compute off the step can give at most",
    "flops": "analytic forward FLOPs (2 per MAC, matmuls/einsums only); training = 3 x forward",
    "mfu": "achieved FLOP/s / best float32 2048x2048 keras.ops.matmul FLOP/s measured in this run",
    "latency": "batch-1 forward, predict_on_batch, p50/p95 of 30 calls (train_and_evaluate's)",
    "report_s": "reports.build.build_report wall time, md+html, no artifact upload",
}
