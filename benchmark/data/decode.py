"""Image files -> one uint8 RGB array, with Pillow; every failure names the file.

JPEG, PNG, BMP, GIF (first frame) and WebP; greyscale, palette and RGBA images become RGB
(`convert("RGB")` drops alpha). `image_size` resizes every image to N x N: area averaging
(BOX) when shrinking, so small objects do not alias away; bicubic when enlarging. Without it
all images must already be square and of one size, because the model's input is one square.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from benchmark.errors import ConfigError, DataUnavailableError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
RESAMPLING = "box-down,bicubic-up"  # part of the cache digest: change it and caches refresh
PROGRESS_MIN_FILES = 500  # fewer files decode in about a second: no progress bar


def is_image_file(name: str | Path) -> bool:
    name = os.path.basename(name)
    return os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES and not name.startswith(".")


def resize(image: Image.Image, size: int) -> Image.Image:
    if image.size == (size, size):
        return image
    shrinking = image.width >= size and image.height >= size
    method = Image.Resampling.BOX if shrinking else Image.Resampling.BICUBIC
    return image.resize((size, size), resample=method)


def read_image(path: str | Path, image_size: int | None) -> np.ndarray:
    """(H, W, 3) uint8. `.convert` forces the full decode, so a truncated file raises here."""
    try:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataUnavailableError(
            f"data.path: cannot read image {path}: {exc}. Remove or replace the file "
            "(readable formats: JPEG, PNG, BMP, GIF, WebP)"
        ) from None
    if image_size is not None:
        image = resize(image, image_size)
    return np.asarray(image, dtype=np.uint8)


def _check_size(path: str | Path, shape: tuple[int, ...], first: tuple) -> None:
    height, width = shape[:2]
    if shape != first[1]:
        raise ConfigError(
            f"data.image_size: images differ in size ({first[0]} is {first[1][1]}x{first[1][0]}, "
            f"{path} is {width}x{height}); set data.image_size=N to resize every image to NxN"
        )
    if height != width:
        raise ConfigError(
            f"data.image_size: {path} is {width}x{height}, not square; set data.image_size=N "
            "to resize every image to NxN"
        )


def decode_files(
    files: Sequence[str | Path], image_size: int | None, label: str = ""
) -> np.ndarray:
    """(N, S, S, 3) uint8 in the order given; a progress bar on stderr for many files."""
    if not files:
        return np.zeros((0, image_size or 1, image_size or 1, 3), dtype=np.uint8)
    progress = None
    if len(files) >= PROGRESS_MIN_FILES:
        from rich.console import Console
        from rich.progress import Progress

        progress = Progress(console=Console(file=sys.stderr), transient=True)
        progress.start()
        task = progress.add_task(f"decoding {label or 'images'}", total=len(files))
    try:
        first = read_image(files[0], image_size)
        _check_size(files[0], first.shape, (files[0], first.shape))
        out = np.empty((len(files), *first.shape), dtype=np.uint8)
        out[0] = first
        for i, path in enumerate(files[1:], start=1):
            image = read_image(path, image_size)
            if image.shape != first.shape:
                _check_size(path, image.shape, (files[0], first.shape))
            out[i] = image
            if progress is not None and i % 64 == 0:
                progress.update(task, completed=i)
    finally:
        if progress is not None:
            progress.stop()
    return out
