"""Bad own data through the real `vitbench run`: exit status 2, one `error:` line naming the file,
folder or key, and no tracking store (so no MLflow run) created."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.support.cli import run_vitbench
from tests.support.image_folders import class_image, save, write_class_folders

Case = Callable[[Path], tuple[list[str], list[str]]]


def _folder_args(path: Path, *extra: str) -> list[str]:
    return ["--dataset", "folder", "--set", f"data.path={path}", *extra]


def _npz_args(path: Path) -> list[str]:
    return ["--dataset", "npz", "--set", f"data.path={path}"]


def no_path(tmp: Path):
    return ["--dataset", "folder"], ["data.path", "required", "folder"]


def missing_folder(tmp: Path):
    path = tmp / "nowhere"
    return _folder_args(path), ["data.path", str(path), "does not exist"]


def empty_folder(tmp: Path):
    (tmp / "empty").mkdir()
    return _folder_args(tmp / "empty"), [str(tmp / "empty"), "no class folders"]


def one_class(tmp: Path):
    write_class_folders(tmp / "one", layout="flat", classes=("cat",), per_class=4)
    return _folder_args(tmp / "one"), [str(tmp / "one"), "one class only", "'cat'"]


def empty_class_folder(tmp: Path):
    write_class_folders(tmp / "d", per_class=3, test_per_class=1)
    (tmp / "d" / "train" / "eel").mkdir()
    (tmp / "d" / "train" / "eel" / "readme.txt").write_text("no images here")
    return _folder_args(tmp / "d"), [str(tmp / "d" / "train" / "eel"), "holds no images"]


def unreadable_image(tmp: Path):
    written = write_class_folders(tmp / "d", per_class=3, test_per_class=1)
    bad = written["train"][4]
    bad.write_text("this is not a PNG")
    return _folder_args(tmp / "d"), ["cannot read image", str(bad)]


def _truncated(tmp: Path, fmt: str):
    written = write_class_folders(tmp / "d", per_class=3, test_per_class=1, size=16)
    bad = written["test"][1].with_suffix(".jpg" if fmt == "jpeg" else ".png")
    written["test"][1].unlink()
    buffer = io.BytesIO()
    Image.fromarray(class_image(1, 16, np.random.default_rng(0))).save(buffer, fmt.upper())
    bad.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return _folder_args(tmp / "d"), ["cannot read image", str(bad), "truncated"]


def truncated_png(tmp: Path):
    return _truncated(tmp, "png")


def truncated_jpeg(tmp: Path):
    return _truncated(tmp, "jpeg")


def mixed_sizes(tmp: Path):
    written = write_class_folders(tmp / "d", per_class=3, test_per_class=1, size=8)
    odd = written["train"][7]
    save(odd, class_image(2, 12, np.random.default_rng(0)))
    return _folder_args(tmp / "d"), ["data.image_size", str(odd), "12x12", "differ in size"]


def class_not_in_train(tmp: Path):
    write_class_folders(tmp / "d", per_class=3, test_per_class=1)
    save(tmp / "d" / "test" / "yak" / "y.png", class_image(0, 8, np.random.default_rng(0)))
    return _folder_args(tmp / "d"), ["'yak'", str(tmp / "d" / "test"), "no folder in"]


def split_without_test(tmp: Path):
    write_class_folders(tmp / "d", per_class=3, test_per_class=1)
    for file in (tmp / "d" / "test").rglob("*.png"):
        file.unlink()
    for folder in sorted((tmp / "d" / "test").rglob("*"), reverse=True):
        folder.rmdir()
    (tmp / "d" / "test").rmdir()
    return _folder_args(tmp / "d"), [str(tmp / "d"), "no test/"]


def patch_does_not_tile(tmp: Path):
    write_class_folders(tmp / "d", per_class=3, test_per_class=1, size=10)
    return _folder_args(tmp / "d"), ["model.patch_size", "does not divide the image size 10"]


def path_for_a_builtin(tmp: Path):
    return ["--dataset", "digits", "--set", f"data.path={tmp}"], ["data.path", "only folder, npz"]


def _arrays(**changes) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (10, 8, 8, 3), dtype=np.uint8),
        "y_train": np.arange(10) % 2,
        "x_test": rng.integers(0, 256, (4, 8, 8, 3), dtype=np.uint8),
        "y_test": np.arange(4) % 2,
    }
    arrays.update(changes)
    return {k: v for k, v in arrays.items() if v is not None}


def _npz(tmp: Path, **changes) -> Path:
    path = tmp / "data.npz"
    np.savez(path, **_arrays(**changes))
    return path


def npz_missing_key(tmp: Path):
    path = _npz(tmp, y_test=None)
    return _npz_args(path), [str(path), "no y_test", "required keys"]


def npz_lengths_differ(tmp: Path):
    path = _npz(tmp, y_train=np.arange(9) % 2)
    return _npz_args(path), [str(path), "y_train has 9 labels", "x_train has 10 images"]


def npz_label_out_of_range(tmp: Path):
    path = _npz(tmp, y_test=np.array([0, 1, 5, 1]), class_names=np.array(["a", "b", "c"]))
    return _npz_args(path), [str(path), "y_test", "label 5", "out of range", "3 class_names"]


def npz_negative_label(tmp: Path):
    path = _npz(tmp, y_train=np.array([0, 1, -1, 1, 0, 1, 0, 1, 0, 1]))
    return _npz_args(path), [str(path), "y_train", "negative label -1"]


def npz_test_class_unseen(tmp: Path):
    path = _npz(tmp, y_test=np.array([0, 1, 2, 1]))
    return _npz_args(path), [str(path), "y_test", "training split lacks"]


def npz_bad_shape(tmp: Path):
    path = _npz(tmp, x_test=np.zeros((4, 8, 8, 2), dtype=np.uint8))
    return _npz_args(path), [str(path), "x_test", "(4, 8, 8, 2)"]


def npz_not_a_zip(tmp: Path):
    path = tmp / "data.npz"
    path.write_bytes(b"not a zip archive")
    return _npz_args(path), [str(path), "cannot read"]


def npz_missing_file(tmp: Path):
    path = tmp / "absent.npz"
    return _npz_args(path), [str(path), "does not exist"]


CASES: list[Case] = [
    no_path,
    missing_folder,
    empty_folder,
    one_class,
    empty_class_folder,
    unreadable_image,
    truncated_png,
    truncated_jpeg,
    mixed_sizes,
    class_not_in_train,
    split_without_test,
    patch_does_not_tile,
    path_for_a_builtin,
    npz_missing_key,
    npz_lengths_differ,
    npz_label_out_of_range,
    npz_negative_label,
    npz_test_class_unseen,
    npz_bad_shape,
    npz_not_a_zip,
    npz_missing_file,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_own_data_exits_2_naming_it_and_creates_no_run(case, tmp_path, monkeypatch, capsys):
    from benchmark.cli.main import main
    from benchmark.data.loading import clear_memory_cache

    home = tmp_path / "home"
    monkeypatch.setenv("VITBENCH_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    clear_memory_cache()
    args, expected = case(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--preset", "smoke", "--models", "vit", *args])
    assert exit_info.value.code == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("error: "), stderr
    for fragment in expected:
        assert fragment.lower() in stderr.lower(), (fragment, stderr)
    assert "Traceback" not in stderr
    assert not (home / "mlflow.db").exists()  # no store, so no run


def test_a_real_process_exits_2_on_a_truncated_image(tmp_path):
    args, expected = truncated_png(tmp_path)
    done = run_vitbench(
        ["--preset", "smoke", "--models", "vit", *args],
        tmp_path,
        env={"VITBENCH_HOME": str(tmp_path / "home")},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert all(f.lower() in done.stderr.lower() for f in expected), done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "home" / "mlflow.db").exists()


def test_a_study_on_bad_own_data_exits_2_before_any_run(tmp_path, monkeypatch, capsys):
    from benchmark.cli.main import main

    home = tmp_path / "home"
    monkeypatch.setenv("VITBENCH_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    args, expected = unreadable_image(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["study", "--model", "vit", "--preset", "smoke", "--trials", "1", *args[2:],
              "--set", "data.dataset=folder", "--set", "data.image_size=8"])  # fmt: skip
    assert exit_info.value.code == 2
    stderr = capsys.readouterr().err
    assert all(f.lower() in stderr.lower() for f in expected), stderr
    assert not (home / "mlflow.db").exists()
