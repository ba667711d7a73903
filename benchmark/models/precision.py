"""Mixed precision as a per-layer Keras dtype policy (`train.precision`).

The model builder passes the policy to every layer it creates and each layer passes its own
policy to its sublayers, so nothing touches the global policy: a worker process that builds a
float32 model next is not affected, and a saved model reloads with the same dtypes.
"""

from __future__ import annotations

import keras

from benchmark.config.registry import CHOICES

PRECISIONS = CHOICES["train.precision"]


def layer_policy(precision: str) -> keras.DTypePolicy:
    """The dtype policy of `train.precision` (float32, mixed_float16, mixed_bfloat16)."""
    if precision not in PRECISIONS:
        raise ValueError(f"train.precision={precision!r} is not one of {', '.join(PRECISIONS)}")
    return keras.DTypePolicy(precision)
