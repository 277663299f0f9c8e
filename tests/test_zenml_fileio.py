"""ZenML's ``fileio`` helpers that real ZenML code calls: ``walk``, ``stat`` and
``listdir(only_file_names=)`` (found running zenml-io/zenml-projects with imports renamed;
written from ZenML 0.98's zenml/io/fileio.py), on local paths and fsspec URLs."""

from __future__ import annotations

import uuid

import pytest

from dagwell.io import fileio
from dagwell.utils import io_utils


def test_fileio_walks_stats_and_lists_full_paths(tmp_path):
    """Before: AttributeError for fileio.walk and fileio.stat, TypeError for
    listdir(only_file_names=...); ZenML's listdir of a missing folder is empty."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "sub" / "b.txt").write_text("yy")
    top = str(tmp_path)
    assert list(fileio.walk(top)) == [(top, ["sub"], ["a.txt"]), (f"{top}/sub", [], ["b.txt"])]
    assert [d for d, _, _ in fileio.walk(top, topdown=False)] == [f"{top}/sub", top]
    assert fileio.stat(f"{top}/sub/b.txt").st_size == 2
    assert fileio.listdir(top) == ["a.txt", "sub"]
    assert fileio.listdir(top, only_file_names=False) == [f"{top}/a.txt", f"{top}/sub"]
    assert fileio.listdir(f"{top}/missing") == []


def test_fileio_walks_stats_and_lists_a_url():
    top = f"memory://dagwell-fileio-{uuid.uuid4().hex}/t"
    with fileio.open(f"{top}/a.txt", "w") as f:
        f.write("x")
    with fileio.open(f"{top}/sub/b.txt", "w") as f:
        f.write("yy")
    assert list(fileio.walk(top)) == [(top, ["sub"], ["a.txt"]), (f"{top}/sub", [], ["b.txt"])]
    assert next(fileio.walk(f"{top}/"))[0] == top
    assert fileio.stat(f"{top}/sub/b.txt")["size"] == 2
    assert fileio.listdir(top, only_file_names=False) == [f"{top}/a.txt", f"{top}/sub"]
    assert fileio.listdir(f"{top}/missing") == []
    fileio.rmtree(top)


def test_rename_and_io_utils_move_take_a_folder_as_zenml_does(tmp_path):
    """Before: a rename was a copy of one file, so moving a folder raised
    IsADirectoryError (ZenML's local rename is os.rename)."""
    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "sub" / "f.txt").write_text("x")
    io_utils.move(str(tmp_path / "src"), str(tmp_path / "dst"))
    assert (tmp_path / "dst" / "sub" / "f.txt").read_text() == "x"
    assert not (tmp_path / "src").exists()
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        fileio.rename(str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    fileio.rename(str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), overwrite=True)
    assert (tmp_path / "b.txt").read_text() == "a" and not (tmp_path / "a.txt").exists()
    top = f"memory://dagwell-fileio-{uuid.uuid4().hex}"
    with fileio.open(f"{top}/src/sub/f.txt", "w") as f:
        f.write("y")
    fileio.rename(f"{top}/src", f"{top}/dst")
    assert fileio.listdir(f"{top}/dst/sub") == ["f.txt"] and not fileio.exists(f"{top}/src")
    fileio.rmtree(top)
