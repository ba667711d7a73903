"""`data.dataset: folder`: class folders of image files, as timm, torchvision and Keras read them.

Two layouts under `data.path` = DIR:

- split: `DIR/train/<class>/*` and `DIR/test/<class>/*` (optional `DIR/val/<class>/*`);
  the given splits are used as they are;
- flat: `DIR/<class>/*`; the loader holds out a seeded, stratified test split.

Class names are the sorted folder names of the training split, so a label id means the same
class in every split, on every machine. Files inside a class folder are found recursively and
sorted by relative path. The content digest covers relative paths, file bytes and resize
settings: it names the decoded arrays in the cache and pins the data of a matrix cell.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmark.config import DataConfig
from benchmark.data import cache
from benchmark.data.decode import IMAGE_SUFFIXES, RESAMPLING, decode_files, is_image_file
from benchmark.errors import DataUnavailableError

SPLITS = ("train", "val", "test")
LAYOUT_HELP = "expected DIR/<class>/<image> or DIR/train/<class>/<image> + DIR/test/<class>/<image>"
DIGEST_VERSION = b"vitbench-folder-v1"


@dataclass(frozen=True)
class FolderSource:
    """What a scan found: files per split (`all` for the flat layout) and their labels."""

    root: Path
    class_names: tuple[str, ...]
    files: dict[str, list[str]]  # paths relative to root, "/"-separated
    labels: dict[str, list[int]]
    digest: str

    def paths(self) -> list[str]:
        """Every file, split after split, as absolute paths."""
        return [os.path.join(self.root, rel) for rels in self.files.values() for rel in rels]


def _subfolders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _images_in(folder: Path, root: Path) -> list[str]:
    """Image files under `folder`, recursively, as sorted root-relative "/" paths (plain
    strings: pathlib costs seconds on tens of thousands of files)."""
    found = []
    for parent, dirs, names in os.walk(folder, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = os.path.relpath(parent, root).replace(os.sep, "/")
        found += [f"{rel}/{n}" for n in names if is_image_file(n)]
    return sorted(found)


def _class_files(
    split_dir: Path, class_names: tuple[str, ...], root: Path
) -> tuple[list[str], list[int]]:
    files: list[str] = []
    labels: list[int] = []
    for label, name in enumerate(class_names):
        folder = split_dir / name
        if not folder.is_dir():
            continue  # a class may be absent from val/ or test/
        images = _images_in(folder, root)
        if not images:
            raise DataUnavailableError(
                f"data.path: class folder {folder} holds no images "
                f"({', '.join(IMAGE_SUFFIXES)}); add images or remove the folder"
            )
        files += images
        labels += [label] * len(images)
    return files, labels


def _classes(split_dir: Path) -> tuple[str, ...]:
    names = tuple(p.name for p in _subfolders(split_dir))
    if not names:
        loose = [p for p in split_dir.iterdir() if is_image_file(p)] if split_dir.is_dir() else []
        hint = (
            f" (it holds {len(loose)} loose image(s): put them in class folders)" if loose else ""
        )
        raise DataUnavailableError(
            f"data.path: {split_dir} has no class folders{hint}; {LAYOUT_HELP}"
        )
    if len(names) < 2:
        raise DataUnavailableError(
            f"data.path: {split_dir} has one class only ({names[0]!r}); a classifier needs at "
            "least 2 class folders"
        )
    return names


def _check_root(root: Path) -> None:
    if not root.exists():
        raise DataUnavailableError(f"data.path: {root} does not exist; {LAYOUT_HELP}")
    if not root.is_dir():
        hint = " (for a .npz file use data.dataset=npz)" if root.suffix == ".npz" else ""
        raise DataUnavailableError(f"data.path: {root} is not a folder{hint}; {LAYOUT_HELP}")


def scan(config: DataConfig) -> FolderSource:
    """Find the layout, classes and files; hash them. Reads every file's bytes, decodes none."""
    root = Path(config.path or "").expanduser().resolve()
    _check_root(root)
    given = [s for s in SPLITS if (root / s).is_dir()]
    files: dict[str, list[str]] = {}
    labels: dict[str, list[int]] = {}
    if given:
        for required in ("train", "test"):
            if required not in given:
                raise DataUnavailableError(
                    f"data.path: {root} has {'/, '.join(given)}/ but no {required}/; the split "
                    f"layout needs train/ and test/ (val/ optional); {LAYOUT_HELP}"
                )
        class_names = _classes(root / "train")
        for split in given:
            unknown = sorted(set(p.name for p in _subfolders(root / split)) - set(class_names))
            if unknown:
                raise DataUnavailableError(
                    f"data.path: class folder(s) {unknown} in {root / split} have no folder in "
                    f"{root / 'train'}; every class needs training images"
                )
            files[split], labels[split] = _class_files(root / split, class_names, root)
    else:
        class_names = _classes(root)
        files["all"], labels["all"] = _class_files(root, class_names, root)
    return FolderSource(root, class_names, files, labels, _digest(root, files, config))


def _digest(root: Path, files: dict[str, list[str]], config: DataConfig) -> str:
    h = hashlib.sha256(DIGEST_VERSION)
    h.update(f"image_size={config.image_size};resampling={RESAMPLING}".encode())
    for split, rels in files.items():
        h.update(f"\0split={split}".encode())
        for rel in rels:
            data = _read_bytes(os.path.join(root, rel))
            h.update(f"\0{rel}\0{len(data)}\0".encode())
            h.update(data)
    return h.hexdigest()[:16]


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise DataUnavailableError(f"data.path: cannot read {path}: {exc.strerror}") from None


def load_folder(config: DataConfig, source: FolderSource) -> dict[str, np.ndarray]:
    """Decoded arrays per split (`x_<split>`, `y_<split>`) plus `class_names`, from the cache
    when this digest was decoded before."""
    stored = cache.load("folder", source.digest)
    if stored is not None:
        return stored
    ordered = source.paths()
    images = decode_files(
        ordered, config.image_size, label=f"{len(ordered)} images of {source.root}"
    )
    arrays: dict[str, np.ndarray] = {"class_names": np.array(source.class_names, dtype=str)}
    start = 0
    for split, paths in source.files.items():
        arrays[f"x_{split}"] = images[start : start + len(paths)]
        arrays[f"y_{split}"] = np.asarray(source.labels[split], dtype=np.int32)
        start += len(paths)
    cache.store("folder", source.digest, arrays)
    return arrays
