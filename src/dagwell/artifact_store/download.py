"""ZenML's ``artifact_version.download_files(path)``: an artifact's files as one zip.

dagwell keeps each artifact as one object; ZenML keeps the folder its materializer wrote.
The zip holds what that folder would: a materializer's own files (kept as a tar), the
file or folder registered in place, or the one file under the name ZenML's built-in
materializer gives it (``data.json`` for a number, ``df.parquet`` for a DataFrame, ...).
"""

from __future__ import annotations

import os
import shutil
import tarfile
import zipfile
from typing import IO

from dagwell.artifact_store.store import ArtifactStore
from dagwell.core.manifest import ArtifactRef

#: ZenML's file name for what dagwell's own materializers store as one file.
ZENML_FILE_NAMES = {
    "json": "data.json",
    "container.json": "data.json",
    "dataclass.json": "data.json",
    "pydantic.json": "data.json",
    "text": "data.txt",
    "text.typed": "data.txt",
    "bytes": "data.txt",
    "uuid": "data.txt",
    "numpy": "data.npy",
    "pandas.parquet": "df.parquet",
    "pandas.series.parquet": "df.parquet",
    "cloudpickle": "artifact.pkl",
}


def download_files(store: ArtifactStore, ref: ArtifactRef, path: str, overwrite: bool) -> None:
    """Write ``ref``'s files to the zip file ``path`` (ZenML's errors: a path that does not
    end in .zip is a ValueError, an existing file without ``overwrite`` a FileExistsError)."""
    if not path.endswith(".zip"):
        raise ValueError("The path should end with '.zip' to save the binary data.")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"File '{path}' already exists and `overwrite` is set to `False`.")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        if ref.uri is not None:  # registered in place: the files there
            _add_local(archive, ref.uri)
        elif ref.materializer == "path" or ref.materializer.startswith("user:"):
            with store.open_object(ref) as f:
                _add_tar(archive, f)
        elif ref.materializer != "none":
            name = ZENML_FILE_NAMES.get(ref.materializer, "data")
            with store.open_object(ref) as f, archive.open(name, "w") as entry:
                shutil.copyfileobj(f, entry)


def _add_tar(archive: zipfile.ZipFile, f: IO[bytes]) -> None:
    with tarfile.open(fileobj=f, mode="r|") as tar:
        for member in tar:
            data = tar.extractfile(member) if member.isfile() else None
            if data is not None:
                with archive.open(member.name, "w") as entry:
                    shutil.copyfileobj(data, entry)


def _add_local(archive: zipfile.ZipFile, uri: str) -> None:
    if os.path.isfile(uri):
        archive.write(uri, os.path.basename(uri))
        return
    for base, dirs, files in os.walk(uri):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(base, name)
            archive.write(full, os.path.relpath(full, uri))
