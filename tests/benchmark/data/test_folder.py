"""`data.dataset: folder` on real image files written by Pillow: layouts, labels, splits,
formats, resizing, the content digest and the decoded-array cache."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmark.config import DataConfig
from benchmark.data import cache
from benchmark.data.loading import clear_memory_cache, load_dataset
from benchmark.errors import ConfigError
from tests.support.image_folders import class_image, save, write_class_folders


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    """Each test has its own cache and no in-process memory of earlier loads."""
    monkeypatch.setenv("VITBENCH_HOME", str(tmp_path / "home"))
    clear_memory_cache()
    yield tmp_path / "home"
    clear_memory_cache()


def folder(path: Path, **changes) -> DataConfig:
    return DataConfig(dataset="folder", path=str(path), **changes)


def pixels_by_label(x: np.ndarray, y: np.ndarray) -> Counter:
    return Counter(
        (image.astype(np.uint8).tobytes(), int(label)) for image, label in zip(x, y, strict=True)
    )


def written_pixels(files: list[Path], classes: tuple[str, ...]) -> Counter:
    return Counter(
        (np.asarray(Image.open(f).convert("RGB")).tobytes(), classes.index(f.parent.name))
        for f in files
    )


def test_split_layout_uses_the_given_splits_with_sorted_class_ids(tmp_path):
    # Classes written in non-sorted order: ids must still follow the sorted names.
    root = tmp_path / "imgs"
    written = write_class_folders(root, classes=("zebra", "ant", "moth"), per_class=10)
    data = load_dataset(folder(root, validation_fraction=0.2))
    names = ("ant", "moth", "zebra")
    assert data.class_names == names and data.num_classes == 3
    assert data.x_train.shape[1:] == (8, 8, 3) and data.x_train.dtype == np.float32
    # test/ is used as it is; validation is carved (stratified) from train/.
    assert pixels_by_label(data.x_test, data.y_test) == written_pixels(written["test"], names)
    assert (len(data.x_train), len(data.x_val)) == (24, 6)
    assert np.bincount(data.y_val).tolist() == [2, 2, 2]
    carved = pixels_by_label(
        np.concatenate([data.x_train, data.x_val]), np.concatenate([data.y_train, data.y_val])
    )
    assert carved == written_pixels(written["train"], names)
    assert data.source == str(root.resolve()) and len(data.source_digest) == 16


def test_given_val_folder_is_used_instead_of_a_carve(tmp_path):
    root = tmp_path / "imgs"
    written = write_class_folders(root, per_class=6, val_per_class=3)
    data = load_dataset(folder(root))
    names = data.class_names
    assert pixels_by_label(data.x_val, data.y_val) == written_pixels(written["val"], names)
    assert pixels_by_label(data.x_train, data.y_train) == written_pixels(written["train"], names)


def test_flat_layout_holds_out_a_seeded_stratified_test_split(tmp_path):
    root = tmp_path / "flat"
    written = write_class_folders(root, layout="flat", classes=("a", "b", "c", "d"), per_class=10)
    config = folder(root, test_fraction=0.2, validation_fraction=0.125)
    data = load_dataset(config)
    assert np.bincount(data.y_test).tolist() == [2, 2, 2, 2]  # 8 of 40, 2 per class
    assert np.bincount(data.y_val).tolist() == [1, 1, 1, 1]  # 4 of the 32 left, 1 per class
    assert len(data.x_train) == 28
    everything = pixels_by_label(
        np.concatenate([data.x_train, data.x_val, data.x_test]),
        np.concatenate([data.y_train, data.y_val, data.y_test]),
    )
    assert everything == written_pixels(written["all"], data.class_names)  # a true partition
    clear_memory_cache()
    again = load_dataset(config)
    assert again.digest() == data.digest()  # the same split on every load
    clear_memory_cache()
    other = load_dataset(folder(root, test_fraction=0.2, validation_fraction=0.125, split_seed=1))
    assert other.digest() != data.digest()  # data.split_seed picks the split
    assert other.source_digest == data.source_digest  # same files


def test_every_format_and_mode_becomes_rgb(tmp_path):
    root = tmp_path / "modes"
    rng = np.random.default_rng(0)
    red, blue = class_image(0, 8, rng), class_image(2, 8, rng)
    save(root / "train" / "red" / "a.png", red)
    save(root / "train" / "red" / "b.bmp", red)
    Image.fromarray(red).convert("RGBA").save(root / "train" / "red" / "c.png")
    Image.fromarray(red).quantize(16).save(root / "train" / "red" / "d.gif")
    save(root / "train" / "blue" / "e.webp", blue)
    save(root / "train" / "blue" / "f.jpg", blue, "jpeg")
    grey = np.full((8, 8), 77, dtype=np.uint8)
    Image.fromarray(grey, mode="L").save(root / "train" / "blue" / "g.png")
    (root / "train" / "blue" / "notes.txt").write_text("not an image: ignored")
    save(root / "test" / "red" / "h.png", red)
    save(root / "test" / "blue" / "i.png", blue)
    data = load_dataset(folder(root, validation_fraction=0.1))
    x = np.concatenate([data.x_train, data.x_val])
    assert x.shape == (7, 8, 8, 3)
    exact = {image.astype(np.uint8).tobytes() for image in x}
    assert red.tobytes() in exact  # PNG, BMP and RGBA (alpha dropped) keep the pixels
    assert np.full((8, 8, 3), 77, dtype=np.uint8).tobytes() in exact  # grey -> 3 equal channels
    assert len(data.x_test) == 2 and data.class_names == ("blue", "red")


def test_image_size_resizes_by_area_averaging_and_mixed_sizes_need_it(tmp_path):
    root = tmp_path / "sizes"
    rng = np.random.default_rng(0)
    big = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    save(root / "train" / "a" / "big.png", big)
    save(root / "train" / "a" / "small.png", class_image(0, 8, rng))
    save(root / "train" / "b" / "small.png", class_image(1, 8, rng))
    save(root / "train" / "b" / "small2.png", class_image(1, 8, rng))
    save(root / "test" / "a" / "t.png", class_image(0, 8, rng))
    save(root / "test" / "b" / "t.png", class_image(1, 8, rng))
    with pytest.raises(ConfigError) as info:
        load_dataset(folder(root))
    message = str(info.value)
    assert "data.image_size" in message and "big.png" in message and "16x16" in message
    data = load_dataset(folder(root, image_size=8, validation_fraction=0.25))
    assert data.image_size == 8
    # BOX resampling by an integer factor is the mean of each 2x2 block.
    blocks = big.reshape(8, 2, 8, 2, 3).astype(float).mean(axis=(1, 3))
    x = np.concatenate([data.x_train, data.x_val])
    assert min(np.abs(image - blocks).max() for image in x) <= 1.0  # fixed-point rounding


def test_non_square_images_need_image_size(tmp_path):
    root = tmp_path / "wide"
    for split in ("train", "test"):
        for name in ("a", "b"):
            for file in ("x.png", "y.png"):
                save(root / split / name / file, np.zeros((8, 12, 3), dtype=np.uint8))
    with pytest.raises(ConfigError, match=r"data.image_size: .*x.png is 12x8, not square"):
        load_dataset(folder(root))
    assert load_dataset(folder(root, image_size=8)).image_size == 8


# --- content digest and cache ----------------------------------------------------------------


def _digest(root: Path, **changes) -> str:
    clear_memory_cache()
    return load_dataset(folder(root, **changes)).source_digest


def test_digest_is_stable_and_changes_with_any_one_file(tmp_path):
    root = tmp_path / "imgs"
    written = write_class_folders(root, per_class=4, test_per_class=2, formats=("png", "bmp"))
    first = _digest(root)
    assert _digest(root) == first
    copy = tmp_path / "copy"  # the same files elsewhere: the same content, the same digest
    write_class_folders(copy, per_class=4, test_per_class=2, formats=("png", "bmp"))
    assert _digest(copy) == first

    one = [p for p in written["train"] if p.suffix == ".bmp"][1]  # uncompressed: a changed
    # pixel keeps the file's length, so only its bytes can tell the change
    original = one.read_bytes()
    image = np.asarray(Image.open(one).convert("RGB")).copy()
    image[0, 0, 0] ^= 1  # one pixel of one file, one bit
    save(one, image, "bmp")
    assert len(one.read_bytes()) == len(original)
    changed = _digest(root)
    assert changed != first
    one.write_bytes(original)
    assert _digest(root) == first  # content, not timestamps

    extra = save(one.parent / "extra.png", image)
    assert _digest(root) != first  # a file added
    extra.unlink()
    one.rename(one.with_name("renamed.png"))
    assert _digest(root) != first  # a relative path changed
    one.with_name("renamed.png").rename(one)
    written["test"][0].unlink()
    assert _digest(root) != first  # a file removed
    save(written["test"][0], class_image(0, 8, np.random.default_rng(9)))
    assert _digest(root, image_size=4) != _digest(root)  # resize settings are in the digest


def test_cache_is_written_once_then_read_and_a_change_refreshes_it(tmp_path, home):
    root = tmp_path / "imgs"
    written = write_class_folders(root, per_class=4, test_per_class=2)
    data = load_dataset(folder(root))
    entry = cache.cache_path("folder", data.source_digest)
    assert entry.is_file() and entry.parent.parent == home / "cache"

    # Plant a marker in the cached arrays: a second load that reads the cache returns it.
    with np.load(entry) as stored:
        arrays = {k: stored[k] for k in stored.files}
    arrays["x_test"] = np.full_like(arrays["x_test"], 7)
    cache.store("folder", data.source_digest, arrays)
    stamp = entry.stat().st_mtime_ns
    clear_memory_cache()
    again = load_dataset(folder(root))
    assert (again.x_test == 7).all(), "the second load decoded the files instead of the cache"

    save(written["test"][0], class_image(1, 8, np.random.default_rng(5)))  # one file changes
    clear_memory_cache()
    refreshed = load_dataset(folder(root))
    assert refreshed.source_digest != data.source_digest
    assert not (refreshed.x_test == 7).all()  # decoded afresh into a new entry
    assert cache.cache_path("folder", refreshed.source_digest).is_file()
    assert entry.stat().st_mtime_ns == stamp  # the old entry is never rewritten
    assert sorted(p.name for p in entry.parent.iterdir() if not p.name.startswith(".")) == sorted(
        [entry.name, f"{refreshed.source_digest}.npz"]
    )


def test_an_unreadable_cache_entry_is_decoded_again(tmp_path):
    root = tmp_path / "imgs"
    write_class_folders(root, per_class=4, test_per_class=2)
    data = load_dataset(folder(root))
    cache.cache_path("folder", data.source_digest).write_bytes(b"half a file")
    clear_memory_cache()
    again = load_dataset(folder(root))
    assert again.digest() == data.digest()


def test_a_pinned_digest_refuses_changed_data(tmp_path):
    from benchmark.errors import DataUnavailableError

    root = tmp_path / "imgs"
    written = write_class_folders(root, per_class=4, test_per_class=2)
    digest = load_dataset(folder(root)).source_digest
    assert load_dataset(folder(root, source_digest=digest)).source_digest == digest
    save(written["train"][0], class_image(2, 8, np.random.default_rng(3)))
    with pytest.raises(DataUnavailableError) as info:
        load_dataset(folder(root, source_digest=digest))
    assert "changed" in str(info.value) and digest in str(info.value)
    assert str(root.resolve()) in str(info.value)
