"""`data.dataset: npz`: arrays you already have, in one `.npz` file (`numpy.savez`).

Keys: `x_train, y_train, x_test, y_test` (required), `x_val, y_val` (optional, used as the
validation split when given), `class_names` (optional; else classes are named by their id).
Images are NHWC (C = 1, 3 or 4) or NHW, uint8 or any integer type in [0, 255], or floats in
[0, 255] or [0, 1] (scaled by 255 when no value exceeds 1). Greyscale becomes RGB by repetition,
RGBA drops alpha. Labels are class ids, shape (N,) or (N, 1).
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from benchmark.config import DataConfig
from benchmark.data.decode import RESAMPLING
from benchmark.errors import ConfigError, DataUnavailableError

REQUIRED = ("x_train", "y_train", "x_test", "y_test")
OPTIONAL = ("x_val", "y_val", "class_names")
DIGEST_VERSION = b"vitbench-npz-v1"


def _where(path: Path, key: str) -> str:
    return f"data.path: {path}: {key}"


def file_digest(path: Path, config: DataConfig) -> str:
    h = hashlib.sha256(DIGEST_VERSION)
    h.update(f"image_size={config.image_size};resampling={RESAMPLING}".encode())
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise DataUnavailableError(f"data.path: cannot read {path}: {exc.strerror}") from None
    return h.hexdigest()[:16]


def _read(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {key: stored[key] for key in stored.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DataUnavailableError(
            f"data.path: cannot read {path} as a .npz file ({exc}); write it with "
            "numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)"
        ) from None


def _images(path: Path, key: str, x: np.ndarray) -> np.ndarray:
    """float32 (N, H, W, 3) in [0, 255]."""
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] not in (1, 3, 4):
        raise ConfigError(
            f"{_where(path, key)} has shape {x.shape}; expected (N, H, W, C) with C = 1, 3 or 4, "
            "or (N, H, W)"
        )
    kind = x.dtype.kind
    if kind not in "uif":
        raise ConfigError(f"{_where(path, key)} has dtype {x.dtype}; expected uint8 or float")
    x = x.astype(np.float32)
    if x.size and not np.isfinite(x).all():
        raise ConfigError(f"{_where(path, key)} holds NaN or infinite values")
    low, high = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
    if low < 0 or high > 255:
        raise ConfigError(
            f"{_where(path, key)} values span [{low:g}, {high:g}]; expected [0, 255] or [0, 1] "
            "(raw pixels, not standardised ones)"
        )
    if kind == "f" and high <= 1.0 and x.size:
        x = x * 255.0
    if x.shape[-1] == 1:
        x = np.repeat(x, 3, axis=-1)
    return np.ascontiguousarray(x[..., :3])


def _labels(path: Path, key: str, y: np.ndarray, count: int) -> np.ndarray:
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ConfigError(
            f"{_where(path, key)} has shape {y.shape}; expected class ids of shape (N,)"
        )
    if y.dtype.kind not in "uif" or (y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0)):
        raise ConfigError(f"{_where(path, key)} must hold integer class ids, got dtype {y.dtype}")
    if len(y) != count:
        x_key = "x_" + key.split("_", 1)[1]
        raise ConfigError(
            f"{_where(path, key)} has {len(y)} labels but {x_key} has {count} images; "
            "they must have the same length"
        )
    if len(y) and y.min() < 0:
        raise ConfigError(f"{_where(path, key)} holds a negative label {int(y.min())}")
    return y.astype(np.int32)


def resize_images(x: np.ndarray, size: int) -> np.ndarray:
    """Per image and channel through Pillow's float mode: the folder loader's resampling."""
    if x.shape[1:3] == (size, size):
        return x
    shrinking = x.shape[1] >= size and x.shape[2] >= size
    method = Image.Resampling.BOX if shrinking else Image.Resampling.BICUBIC
    out = np.empty((len(x), size, size, x.shape[-1]), dtype=np.float32)
    for i, image in enumerate(x):
        for c in range(x.shape[-1]):
            plane = Image.fromarray(np.ascontiguousarray(image[..., c]), mode="F")
            out[i, ..., c] = np.asarray(plane.resize((size, size), resample=method))
    return np.clip(out, 0.0, 255.0)


def load_npz(config: DataConfig) -> tuple[dict[str, np.ndarray], tuple[str, ...]]:
    """Checked arrays (`x_train`, `y_train`, `x_test`, `y_test`, maybe `x_val`, `y_val`) and
    the class names; every problem names the file and the key."""
    path = Path(config.path or "").expanduser().resolve()
    if not path.is_file():
        state = "is a folder (use data.dataset=folder)" if path.is_dir() else "does not exist"
        raise DataUnavailableError(f"data.path: {path} {state}; expected a .npz file")
    stored = _read(path)
    missing = [k for k in REQUIRED if k not in stored]
    if ("x_val" in stored) != ("y_val" in stored):
        missing.append("y_val" if "x_val" in stored else "x_val")
    if missing:
        raise ConfigError(
            f"data.path: {path} has no {', '.join(missing)}; required keys: "
            f"{', '.join(REQUIRED)} (optional: {', '.join(OPTIONAL)}); found: "
            f"{', '.join(sorted(stored)) or 'none'}"
        )
    splits = [s for s in ("train", "val", "test") if f"x_{s}" in stored]
    arrays: dict[str, np.ndarray] = {}
    for split in splits:
        x = _images(path, f"x_{split}", stored[f"x_{split}"])
        arrays[f"y_{split}"] = _labels(path, f"y_{split}", stored[f"y_{split}"], len(x))
        arrays[f"x_{split}"] = x
    sizes = {s: arrays[f"x_{s}"].shape[1:3] for s in splits}
    if config.image_size is not None:
        for split in splits:
            arrays[f"x_{split}"] = resize_images(arrays[f"x_{split}"], config.image_size)
    elif len(set(sizes.values())) > 1 or any(h != w for h, w in sizes.values()):
        shapes = ", ".join(f"x_{s} {h}x{w}" for s, (h, w) in sizes.items())
        raise ConfigError(
            f"data.image_size: {path} images are not one square size ({shapes}); set "
            "data.image_size=N to resize every image to NxN"
        )
    return arrays, _class_names(path, stored, arrays)


def _class_names(
    path: Path, stored: dict[str, np.ndarray], arrays: dict[str, np.ndarray]
) -> tuple[str, ...]:
    highest = max(int(arrays[k].max()) for k in arrays if k.startswith("y_") and arrays[k].size)
    if "class_names" not in stored:
        return tuple(str(i) for i in range(highest + 1))
    names = tuple(str(n) for n in np.asarray(stored["class_names"]).reshape(-1))
    if highest >= len(names):
        key = next(k for k in arrays if k.startswith("y_") and highest in arrays[k])
        raise ConfigError(
            f"{_where(path, key)} holds label {highest}, out of range for the "
            f"{len(names)} class_names (ids 0..{len(names) - 1})"
        )
    return names
