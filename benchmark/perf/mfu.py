"""MFU arithmetic (pure) and the float32 matmul ceiling it is measured against.

Convention: a training step costs 3 x the forward FLOPs (forward + backward wrt activations
+ backward wrt weights); FLOPs count 2 per multiply-accumulate of every matmul and einsum
(`benchmark.models.cost`, the figure every run logs), elementwise ops excluded.
MFU = achieved FLOP/s / measured ceiling.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

import keras

TRAINING_FLOPS_FACTOR = 3


def achieved_flops_per_s(forward_flops: int, images_per_s: float, training: bool) -> float:
    """FLOP/s implied by a throughput: images/s x forward FLOPs (x3 when training)."""
    if forward_flops < 0 or images_per_s < 0:
        raise ValueError("forward_flops and images_per_s must be >= 0")
    factor = TRAINING_FLOPS_FACTOR if training else 1
    return float(forward_flops) * factor * images_per_s


def mfu(
    forward_flops: int, images_per_s: float, ceiling_flops_per_s: float, training: bool
) -> float:
    """Model FLOPs utilisation in [0, ~1]: achieved FLOP/s over the measured matmul ceiling."""
    if ceiling_flops_per_s <= 0:
        raise ValueError(f"ceiling must be > 0, got {ceiling_flops_per_s}")
    return achieved_flops_per_s(forward_flops, images_per_s, training) / ceiling_flops_per_s


def matmul_flops(size: int) -> int:
    """One size x size by size x size matmul: size^3 multiply-accumulates = 2 size^3 FLOPs."""
    return 2 * size**3


def ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def measure_matmul_ceiling(size: int = 2048, iterations: int = 10, trials: int = 5) -> float:
    """Best FLOP/s of `iterations` chained float32 matmuls through `keras.ops` on the running
    backend (the machine's peak for the op that dominates these models); the best trial, since
    a ceiling is a maximum. Reading one element back waits for asynchronous backends."""
    a = keras.random.uniform((size, size), dtype="float32", seed=0)
    b = keras.random.uniform((size, size), dtype="float32", seed=1) / size

    def chain():
        x = a
        for _ in range(iterations):
            x = keras.ops.matmul(x, b)
        return float(keras.ops.convert_to_numpy(x[0, 0]))

    chain()  # warm-up (kernel selection, allocation)
    best = 0.0
    for _ in range(trials):
        start = time.perf_counter()
        chain()
        elapsed = time.perf_counter() - start
        best = max(best, iterations * matmul_flops(size) / elapsed)
    return best
