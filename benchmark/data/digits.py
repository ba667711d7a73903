"""scikit-learn's bundled 8x8 digits (offline): values 0..16 scaled to 0..255, upscaled 2x to
16x16 (nearest neighbour) and repeated to 3 channels so every model and patch size 2/4/8 fits."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits


def load_digits_images() -> tuple[np.ndarray, np.ndarray]:

    bunch = load_digits()
    images = bunch.images.astype("float32") * (255.0 / 16.0)
    images = images.repeat(2, axis=1).repeat(2, axis=2)
    return np.repeat(images[..., None], 3, axis=-1), bunch.target.astype("int32")
