"""Real image files for the own-data tests: class folders written with Pillow.

`write_class_folders` draws each class as its own colour with a class-placed bright square, so
a model can learn it in an epoch; `write_digits_folders` writes scikit-learn's 1,797 real 8x8
digits as greyscale PNG class folders with train/ and test/ (the "public dataset" check):

    python -m tests.support.image_folders /tmp/digits-folders
    python -m tests.support.image_folders /tmp/jpegs --classes 10 --per-class 6000 --format jpeg
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

SUFFIX = {"png": ".png", "jpeg": ".jpg", "bmp": ".bmp", "gif": ".gif", "webp": ".webp"}


def class_image(label: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """(size, size, 3) uint8: class colour, a bright square whose corner depends on the class."""
    palette = np.array([[200, 40, 40], [40, 180, 60], [50, 60, 210], [190, 190, 40]])
    image = np.tile(palette[label % len(palette)], (size, size, 1)).astype(float)
    half = size // 2
    top, left = (label // 2 % 2) * half, (label % 2) * half
    image[top : top + half, left : left + half] = 250
    image += rng.normal(0, 12, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def save(path: Path, image: np.ndarray, fmt: str = "png") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"quality": 95} if fmt in ("jpeg", "webp") else {}
    Image.fromarray(image).save(path, format=fmt.upper(), **options)
    return path


def write_class_folders(
    root: Path,
    layout: str = "split",
    classes: Sequence[str] = ("cat", "dog", "owl"),
    per_class: int = 12,
    test_per_class: int = 4,
    val_per_class: int = 0,
    size: int = 8,
    formats: Sequence[str] = ("png",),
    seed: int = 0,
) -> dict[str, list[Path]]:
    """`layout="split"`: root/train|test[|val]/<class>/; `"flat"`: root/<class>/ (per_class
    images each). Formats cycle over the files. Returns the written files per split."""
    rng = np.random.default_rng(seed)
    counts = (
        {"all": per_class}
        if layout == "flat"
        else {"train": per_class, "test": test_per_class, "val": val_per_class}
    )
    written: dict[str, list[Path]] = {}
    for split, count in counts.items():
        base = root if split == "all" else root / split
        for label, name in enumerate(classes):
            for i in range(count):
                fmt = formats[(label + i) % len(formats)]
                path = base / name / f"img{i:03d}{SUFFIX[fmt]}"
                written.setdefault(split, []).append(save(path, class_image(label, size, rng), fmt))
    return written


def write_digits_folders(root: Path, test_fraction: float = 0.2, seed: int = 0) -> Path:
    """scikit-learn's digits as root/train|test/<digit>/<index>.png (8x8 greyscale, 0..255)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    order = np.random.default_rng(seed).permutation(len(images))
    n_test = int(round(len(images) * test_fraction))
    for rank, index in enumerate(order):
        split = "test" if rank < n_test else "train"
        path = root / split / str(bunch.target[index]) / f"{index:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(images[index], mode="L").save(path)
    return root


def main(argv: list[str]) -> None:
    """`DIR`: the digits folders; `DIR --classes 10 --per-class 6000 --size 32 --format jpeg`:
    a flat folder of generated class images (for timing the decoder and the cache)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.support.image_folders")
    parser.add_argument("target", type=Path)
    parser.add_argument("--classes", type=int, help="generated images instead of digits")
    parser.add_argument("--per-class", type=int, default=100)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--format", default="png", choices=sorted(SUFFIX))
    args = parser.parse_args(argv)
    if args.classes is None:
        print(write_digits_folders(args.target))
        return
    names = [f"class{i:02d}" for i in range(args.classes)]
    written = write_class_folders(
        args.target, "flat", names, args.per_class, size=args.size, formats=(args.format,)
    )
    print(f"{args.target}: {len(written['all'])} files")


if __name__ == "__main__":
    main(sys.argv[1:])
