"""Building blocks of the analytic cost (parameters, forward FLOPs per image): Keras-free.

The registry writes each tokenizer's and attention's formula with these, and
`benchmark.models.cost` adds the shared parts, so `vitbench models` needs no TensorFlow.
Convention: FLOPs = 2 x multiply-accumulates of every matmul and einsum; elementwise ops (softmax,
norms, GELU, adds) are excluded (TF's graph profiler skips Einsum, so the count is analytic).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cost:
    params: int
    flops: int

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.params + other.params, self.flops + other.flops)

    def times(self, n: int) -> Cost:
        return Cost(self.params * n, self.flops * n)

    def param_counts(self) -> dict[str, int]:
        """The classifier has no non-trainable weights (a test pins this on every variant)."""
        return {"total": self.params, "trainable": self.params, "non_trainable": 0}


def dense(inputs: int, units: int, tokens: int = 1, bias: bool = True) -> Cost:
    """A Dense / EinsumDense projection applied to `tokens` vectors."""
    return Cost(inputs * units + (units if bias else 0), 2 * tokens * inputs * units)


def layer_norm(width: int) -> Cost:
    return Cost(2 * width, 0)  # gamma and beta; elementwise, no FLOPs by convention


def matmul(rows: int, inner: int, columns: int) -> Cost:
    """A weight-free product (attention scores, weighted sums): no parameters."""
    return Cost(0, 2 * rows * inner * columns)
