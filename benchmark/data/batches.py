"""Batch arithmetic shared by every input path (no backend imports)."""

from __future__ import annotations

import math

import numpy as np


def steps_per_epoch(num_examples: int, batch_size: int) -> int:
    return math.ceil(num_examples / batch_size)


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    return np.eye(num_classes, dtype="float32")[labels]
