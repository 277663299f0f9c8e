"""``dagwell.utils.io_utils``: ZenML's file helpers that materializers import (zenml-projects
has ten ``io_utils.copy_dir`` calls), on local paths and fsspec URLs through
:mod:`dagwell.io.fileio`, with ZenML 0.98's behaviour (zenml/utils/io_utils.py).

ZenML's global configuration directory has no counterpart: dagwell's state is its home
(``DAGWELL_HOME``), so ``get_global_config_directory`` is not here.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from pathlib import Path

from dagwell.io import fileio

__all__ = [
    "copy_dir",
    "create_dir_if_not_exists",
    "create_dir_recursive_if_not_exists",
    "create_file_if_not_exists",
    "find_files",
    "get_grandparent",
    "get_parent",
    "is_path_within_directory",
    "is_remote",
    "is_root",
    "move",
    "read_file_contents_as_string",
    "resolve_relative_path",
    "write_file_contents_as_string",
]


def is_remote(path: str) -> bool:
    """Whether ``path`` is a URL of a remote filesystem (``s3://``, ``gs://``, ...)."""
    return "://" in str(path) and not str(path).startswith("file://")


def is_root(path: str) -> bool:
    return Path(path) == Path(Path(path).anchor)


def write_file_contents_as_string(file_path: str, content: str) -> None:
    if not isinstance(content, str):
        raise ValueError(f"Content must be of type str, got {type(content).__name__}.")
    with fileio.open(file_path, "w") as f:
        f.write(content)


def read_file_contents_as_string(file_path: str) -> str:
    if not fileio.exists(file_path):
        raise FileNotFoundError(f"{file_path} does not exist!")
    with fileio.open(file_path) as f:
        return str(f.read())


def copy_dir(source_dir: str, destination_dir: str, overwrite: bool = False) -> None:
    """Copy a folder's files into ``destination_dir``; an existing file is an error unless
    ``overwrite`` (a destination inside the source is skipped, not copied into itself)."""
    for name in fileio.listdir(source_dir):
        source_path = os.path.join(source_dir, name)
        destination_path = os.path.join(destination_dir, name)
        if fileio.isdir(source_path):
            if source_path == destination_dir:
                continue
            copy_dir(source_path, destination_path, overwrite)
        else:
            create_dir_recursive_if_not_exists(os.path.dirname(destination_path))
            fileio.copy(source_path, destination_path, overwrite)


def find_files(dir_path: str, pattern: str) -> Iterator[str]:
    """The files below ``dir_path`` whose name matches ``pattern`` (``*.png``)."""
    for root, _, files in _walk(str(dir_path)):
        for name in files:
            if fnmatch.fnmatch(name, pattern):
                yield os.path.join(root, name)


def _walk(top: str) -> Iterator[tuple[str, list[str], list[str]]]:
    if not is_remote(top):
        yield from os.walk(top)
        return
    import fsspec

    fs = fsspec.core.url_to_fs(top)[0]
    protocol = top.split("://", 1)[0]
    for root, dirs, files in fs.walk(top):
        yield f"{protocol}://{root}", list(dirs), list(files)


def create_file_if_not_exists(file_path: str, file_contents: str = "{}") -> None:
    if not fileio.exists(file_path):
        create_dir_recursive_if_not_exists(os.path.dirname(file_path) or ".")
        with fileio.open(file_path, "w") as f:
            f.write(file_contents)


def create_dir_if_not_exists(dir_path: str) -> None:
    if not fileio.isdir(dir_path):
        fileio.mkdir(dir_path)


def create_dir_recursive_if_not_exists(dir_path: str) -> None:
    if not fileio.isdir(dir_path):
        fileio.makedirs(dir_path)


def resolve_relative_path(path: str) -> str:
    return path if is_remote(path) else str(Path(path).resolve())


def is_path_within_directory(path: str, directory: str) -> bool:
    """Whether ``path`` (relative to ``directory``, or absolute) lies inside it."""
    inside = os.path.abspath(os.path.join(directory, path))
    top = os.path.abspath(directory)
    return inside.startswith(top + os.sep) or inside == top


def move(source: str, destination: str, overwrite: bool = False) -> None:
    fileio.rename(source, destination, overwrite)


def get_grandparent(dir_path: str) -> str:
    if not os.path.exists(dir_path):
        raise ValueError(f"Path '{dir_path}' does not exist.")
    return Path(dir_path).parent.parent.stem


def get_parent(dir_path: str) -> str:
    if not os.path.exists(dir_path):
        raise ValueError(f"Path '{dir_path}' does not exist.")
    return Path(dir_path).parent.stem
