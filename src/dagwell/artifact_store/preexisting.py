"""Data registered where it already is: ZenML's ``register_artifact``.

A framework that writes its own files (checkpoints, a saved model folder) into the
artifact store should not have them read and copied again. ZenML 0.98 registers such a
file or folder in place: the version's ``uri`` is that location, it must lie inside the
artifact store, and loading it gives a ``pathlib.Path`` to a fresh local copy (what its
``PreexistingDataMaterializer`` does). Here are the reference such a version carries and
the copying out, for a local or an fsspec store.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from dagwell.artifact_store import scratch
from dagwell.core.errors import ArtifactError
from dagwell.core.manifest import ArtifactRef

MATERIALIZER = "preexisting"


def in_place_ref(uri: str, size: int) -> ArtifactRef:
    """The reference of a new registration of ``uri`` (each registration is its own)."""
    digest = hashlib.sha256(f"{uri}\0{uuid.uuid4().hex}".encode()).hexdigest()
    return ArtifactRef(digest, MATERIALIZER, "pathlib.Path", size, uri=uri)


def local_size(path: str) -> int:
    """Bytes under ``path`` (a file or a folder), from stat alone."""
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(
        os.path.getsize(os.path.join(root, file))
        for root, _dirs, files in os.walk(path)
        for file in files
    )


def copy_out(ref: ArtifactRef, fs: Any = None) -> Path:
    """A local copy of the registered file or folder, in a new temporary directory kept
    until the loading step ends, or outside a step left for the caller (as ZenML leaves
    it): the folder itself, or the file in it."""
    uri = str(ref.uri)
    target = Path(scratch.folder("dagwell-preexisting-"))
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    try:
        if fs is None:
            if os.path.isdir(uri):
                shutil.copytree(uri, target, dirs_exist_ok=True)
                return target
            shutil.copy2(uri, target / name)
            return target / name
        if fs.isdir(uri):
            fs.get(uri.rstrip("/") + "/", str(target), recursive=True)
            return target
        fs.get(uri, str(target / name))
        return target / name
    except FileNotFoundError:
        shutil.rmtree(target, ignore_errors=True)
        raise ArtifactError(
            f"The registered artifact data at {uri} is gone: register_artifact keeps data "
            "where it is, so it must not be moved or deleted. Register it again where it is now."
        ) from None
