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


def listdir(path: str) -> list[str]:
    fs = _fs(path)
    if fs is not None:
        return [os.path.basename(p.rstrip("/")) for p in fs.ls(path, detail=False)]
    return sorted(os.listdir(path))


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
    copy(src, dst, overwrite=overwrite)
    remove(src)


def glob(pattern: str) -> list[str]:
    fs = _fs(pattern)
    return list(fs.glob(pattern)) if fs is not None else sorted(_glob.glob(pattern))


def size(path: str) -> int:
    fs = _fs(path)
    return int(fs.size(path)) if fs is not None else os.path.getsize(path)
