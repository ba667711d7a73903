"""Mixed precision as a scoped Keras dtype policy (`train.precision`).

Keras layers take the global policy when they are constructed, and our composite layers build
their sublayers in `__init__`, so the policy is set around model construction and restored after:
a worker process that builds a float32 model next is not affected.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import keras

from benchmark.config.registry import CHOICES

PRECISIONS = CHOICES["train.precision"]


@contextmanager
def dtype_policy(precision: str) -> Iterator[None]:

    if precision not in PRECISIONS:
        raise ValueError(f"train.precision={precision!r} is not one of {', '.join(PRECISIONS)}")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
