"""``dagwell.io.fileio``: ZenML's file helpers, on local paths and fsspec URLs.

Materializers write into ``self.uri``, a local directory dagwell packs into the artifact
store, so plain local file operations are what these do; a URL with a scheme goes
through fsspec (``pip install 'dagwell[remote]'``).
"""

from __future__ import annotations

import builtins
import glob as _glob
import os
import shutil
from collections.abc import Callable, Iterator
from typing import IO, Any


def _fs(path: str) -> Any:
    if "://" not in str(path) or str(path).startswith("file://"):
        return None
    import fsspec

    return fsspec.core.url_to_fs(str(path))[0]


def open(path: str, mode: str = "r") -> IO[Any]:
    fs = _fs(path)
    if fs is not None:
        return fs.open(path, mode)  # type: ignore[no-any-return]
    if any(c in mode for c in "wa"):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return builtins.open(path, mode)


def exists(path: str) -> bool:
    fs = _fs(path)
    return bool(fs.exists(path)) if fs is not None else os.path.exists(path)


def isdir(path: str) -> bool:
    fs = _fs(path)
    return bool(fs.isdir(path)) if fs is not None else os.path.isdir(path)


def listdir(path: str, only_file_names: bool = True) -> list[str]:
    """The names in a folder (with ``only_file_names=False`` joined onto ``path``); a
    folder that is not there has none, as in ZenML."""
    fs = _fs(path)
    try:
        if fs is not None:
            names = [os.path.basename(p.rstrip("/")) for p in fs.ls(path, detail=False)]
        else:
            names = sorted(os.listdir(path))
    except OSError:
        return []
    return names if only_file_names else [os.path.join(path, name) for name in names]


def makedirs(path: str) -> None:
    fs = _fs(path)
    if fs is not None:
        fs.makedirs(path, exist_ok=True)
    else:
        os.makedirs(path, exist_ok=True)


def mkdir(path: str) -> None:
    makedirs(path)


def remove(path: str) -> None:
    fs = _fs(path)
    if fs is not None:
        fs.rm(path)
    else:
        os.remove(path)


def rmtree(path: str) -> None:
    fs = _fs(path)
    if fs is not None:
        fs.rm(path, recursive=True)
    else:
        shutil.rmtree(path)


def copy(src: str, dst: str, overwrite: bool = False) -> None:
    if not overwrite and exists(dst):
        raise FileExistsError(f"{dst} exists; pass overwrite=True to replace it.")
    with open(src, "rb") as a, open(dst, "wb") as b:
        shutil.copyfileobj(a, b)


def rename(src: str, dst: str, overwrite: bool = False) -> None:
    """Move a file or a folder, as ZenML's: a rename on one filesystem (``os.rename``
    locally), else a copy of the file and its removal."""
    if not overwrite and exists(dst):
        raise FileExistsError(f"{dst} exists; pass overwrite=True to replace it.")
    fs, dst_fs = _fs(src), _fs(dst)
    if fs is None and dst_fs is None:
        os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)  # (as open() does)
        os.rename(src, dst)
    elif fs is not None and dst_fs is not None and fs.protocol == dst_fs.protocol:
        fs.mv(src, dst, recursive=True)
    else:
        copy(src, dst, overwrite=True)
        remove(src)


def glob(pattern: str) -> list[str]:
    fs = _fs(pattern)
    return list(fs.glob(pattern)) if fs is not None else sorted(_glob.glob(pattern))


def stat(path: str) -> Any:
    """``os.stat`` of a local path; for a URL, fsspec's info dict (``size``, ``type``, ...),
    as ZenML's remote artifact stores give."""
    fs = _fs(path)
    return fs.stat(path) if fs is not None else os.stat(path)


def walk(
    top: str, topdown: bool = True, onerror: Callable[[OSError], None] | None = None
) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk``: each folder under ``top`` with its folder and file names. A URL's
    folders are given as URLs starting with ``top``, as it was written."""
    fs = _fs(top)
    if fs is None:
        yield from os.walk(top, topdown=topdown, onerror=onerror)
        return
    root = _fsspec_path(top).rstrip("/")
    on_error: Any = "omit" if onerror is None else onerror
    for folder, dirs, files in fs.walk(root, topdown=topdown, on_error=on_error):
        yield str(top).rstrip("/") + folder.rstrip("/")[len(root) :], dirs, files


def _fsspec_path(url: str) -> str:
    """``url`` as its fsspec filesystem names it (without the scheme)."""
    import fsspec

    return str(fsspec.core.url_to_fs(str(url))[1])


def size(path: str) -> int:
    fs = _fs(path)
    return int(fs.size(path)) if fs is not None else os.path.getsize(path)
