"""Generated class-conditional colour images: each class has its own colour and stripe
orientation, plus noise. Learnable in a few epochs, so tests can assert above-chance accuracy."""

from __future__ import annotations

import numpy as np


def make_synthetic(
    num_examples: int, num_classes: int, size: int, seed: int = 1234
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, num_classes, size=num_examples).astype("int32")
    palette = np.random.default_rng(seed + 1).uniform(90, 165, size=(num_classes, 3))
    yy, xx = np.mgrid[0:size, 0:size].astype("float32")
    images = np.empty((num_examples, size, size, 3), dtype="float32")
    for i, label in enumerate(labels):
        angle = np.pi * label / num_classes
        stripes = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / 4.0)
        base = palette[label] + 25.0 * stripes[..., None]
        images[i] = base + rng.normal(0, 60.0, size=base.shape)
    return np.clip(images, 0, 255).astype("float32"), labels
