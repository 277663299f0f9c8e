"""The artifact store: step outputs by content digest, written atomically.

Every object is written to a temporary name while its sha256 is computed, then renamed to
``objects/<digest[:2]>/<digest>``; a crash mid-write leaves only an unreferenced temp file,
never a half object under a real name. Reads verify the digest the run store recorded, so
a corrupt or swapped file is refused with a clear error, and so is a pickle the store did
not record. A put whose digest file already exists checks that file and rewrites it when
it does not match, so re-running a producer repairs a corrupt artifact; ``verify`` lets a
cache hit check its outputs the same way. Reads hash the file in chunks and then hand the
open file to the materializer, so a value is loaded into its final buffer once (a numpy
array costs its own size, not two or three copies). Attempt manifests live under
``attempts/`` and are written the same way; blobs (attempt logs, see
:mod:`dagwell.artifact_store.attempt_logs`) are whole objects under any key, each written
in one atomic step (a rename here, one PUT on an object store). The temp files of an
attempt killed mid-write are named after it, and the local runtime removes them once it
has ended (see ``WRITER_ENV``).

The default is a local directory; an fsspec URL (``s3://``, ``gs://``, ...) selects a
remote store for Kubernetes pods, which is what :func:`open_artifact_store` decides.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import pickle
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Protocol

from dagwell.artifact_store import preexisting
from dagwell.artifact_store.materializers import (
    PYTHON,
    CannotMaterialize,
    builtin_metadata,
    candidates,
    load,
    type_name,
)
from dagwell.core.errors import ArtifactCorrupt, ArtifactError, ConfigError
from dagwell.core.manifest import ArtifactRef, ResultManifest
from dagwell.core.names import safe_key

log = logging.getLogger("dagwell.artifact_store.store")
EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()
NONE_REF = ArtifactRef(EMPTY_DIGEST, "none", "builtins.NoneType", 0)
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_KEY_PART = re.compile(r"^[A-Za-z0-9_.\-]+$")


def check_key(key: str) -> str:
    """Refuse keys that could escape the store (``..``, absolute paths, odd characters)."""
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or any(p in ("", ".", "..") or not _KEY_PART.match(p) for p in parts)
    ):
        raise ArtifactError(
            f"Invalid artifact store key {key!r}: use relative names of letters, digits, "
            "'_', '-' and '.', without '..'."
        )
    return key


def object_key(digest: str) -> str:
    if not _DIGEST.match(digest):
        raise ArtifactError(f"Invalid artifact digest {digest!r}: expected 64 hex characters.")
    return f"objects/{digest[:2]}/{digest}"


class _HashingWriter:
    def __init__(self, raw: _Spool) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: Any) -> int:
        """Bytes, or any buffer (pickle protocol 5 hands a large one as a PickleBuffer,
        which has no len())."""
        view = data.raw() if isinstance(data, pickle.PickleBuffer) else memoryview(data).cast("B")
        self.sha.update(view)
        self.size += view.nbytes
        return self.raw.write(view)

    def flush(self) -> None:
        self.raw.flush()

    def tell(self) -> int:
        return self.size

    def seekable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    @property
    def closed(self) -> bool:
        return False


class ArtifactStore(Protocol):
    url: str

    def put(
        self, value: Any, materializer: type | None = None
    ) -> tuple[ArtifactRef, list[str]]: ...
    def get(self, ref: ArtifactRef) -> Any: ...
    def open_object(self, ref: ArtifactRef) -> IO[bytes]: ...
    def exists(self, ref: ArtifactRef) -> bool: ...
    def verify(self, ref: ArtifactRef) -> bool: ...
    def write_manifest(self, key: str, manifest: ResultManifest) -> None: ...
    def read_manifest(self, key: str) -> ResultManifest | None: ...
    def write_doc(self, key: str, doc: dict[str, Any], *, exclusive: bool = False) -> bool: ...
    def read_doc(self, key: str) -> dict[str, Any] | None: ...
    def list_keys(self, prefix: str) -> list[str]: ...
    def write_blob(self, key: str, data: bytes) -> None: ...
    def read_blob(self, key: str) -> bytes | None: ...
    def list_blobs(self, prefix: str) -> list[str]: ...
    def delete_blob(self, key: str) -> None: ...


def _corrupt_doc(where: str, error: ValueError) -> ArtifactCorrupt:
    return ArtifactCorrupt(
        f"The registry document {where} is corrupt ({error}): it was truncated or overwritten "
        "outside dagwell. Delete it (the version it described is then forgotten) or restore it "
        "from a backup."
    )


def manifest_key(run_id: str, step_id: str, attempt: int) -> str:
    """Where an attempt's result manifest goes: one file per attempt in its run's folder.
    (A folder per step, as before, cost every attempt a second inode to allocate.)"""
    return check_key(f"attempts/{run_id}/{safe_key(step_id)}.{attempt}.json")


_FLAT_MANIFEST = re.compile(r"attempts/([^/]+)/([^/]+)\.(\d+)\.json")


def _read_manifest(key: str, read: Callable[[str], bytes]) -> ResultManifest | None:
    """The manifest at ``key`` (or at its older layout's key), None if there is none, an
    ``ArtifactError`` if it cannot be parsed: one rule for every store."""
    try:
        data = read(key)
    except FileNotFoundError:
        legacy = _legacy_manifest_key(key)
        if legacy is None:
            return None
        try:
            data = read(legacy)
        except FileNotFoundError:
            return None
        key = legacy
    try:
        return ResultManifest.from_json(json.loads(data))
    except (ValueError, KeyError) as error:
        raise ArtifactError(f"Result manifest {key} is unreadable: {error}") from error


def _legacy_manifest_key(key: str) -> str | None:
    """The same attempt's key in the layout of before (``attempts/<run>/<step>/<n>.json``),
    so that a run started by an older dagwell still finds its manifests when resumed."""
    found = _FLAT_MANIFEST.fullmatch(key)
    return f"attempts/{found[1]}/{found[2]}/{found[3]}.json" if found else None


#: Serialized outputs up to this size are hashed in memory before any file is made.
SPOOL_MAX = 1 << 20


class _Spool:
    """An output's bytes: in memory while small, in a temporary file past ``SPOOL_MAX``.

    Small outputs are the common case, and often ones the store already holds (the same
    value again): hashed in memory, such an output creates and deletes no file at all. On a
    journal-less ext4, every deleted file also makes each later create in that block group
    skip it for 30 s (``recently_deleted``), so a temp file per put cost far more than its
    own syscalls: ~15% of a 500-step chain's CPU, measured with perf (2026-12-02).
    """

    def __init__(self, create: Callable[[], tuple[int, str]]) -> None:
        self._create = create
        self._memory: io.BytesIO | None = io.BytesIO()
        self._file: IO[bytes] | None = None
        self._name: str | None = None

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._memory is not None:
            if self._memory.tell() + len(data) <= SPOOL_MAX:
                return self._memory.write(data)
            self._spill()
        assert self._file is not None
        return self._file.write(data)

    def _spill(self) -> None:
        assert self._memory is not None
        fd, self._name = self._create()
        self._file = os.fdopen(fd, "w+b")
        self._file.write(self._memory.getbuffer())
        self._memory = None

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def restart(self) -> None:
        """Empty it for another materializer's try."""
        if self._memory is not None:
            self._memory = io.BytesIO()
        else:
            assert self._file is not None
            self._file.seek(0)
            self._file.truncate()

    def to_file(self) -> str:
        """The name of a complete temporary file holding the bytes: the caller's from now on
        (it renames or removes it)."""
        if self._memory is not None:
            self._spill()
        assert self._file is not None and self._name is not None
        self._file.close()
        name, self._name = self._name, None
        return name

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._name is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._name)


def _serialize_to(
    value: Any, tmp: _Spool, chosen: type | None = None
) -> tuple[str, str, int, list[str]]:
    """Write ``value`` into ``tmp`` with the first materializer that takes it."""
    warnings: list[str] = []
    for materializer in candidates(value, chosen):
        tmp.restart()
        writer = _HashingWriter(tmp)
        try:
            materializer.save(value, writer)  # type: ignore[arg-type]
        except CannotMaterialize as error:
            log.debug("%s could not store %s: %s", materializer.name, type_name(value), error)
            continue
        if materializer.pickles:
            warnings.append(
                f"A {type_name(value)} was stored with cloudpickle: it only loads on Python "
                f"{PYTHON} with the same libraries. Return JSON-able data, numpy or pandas "
                "for a portable artifact."
            )
        return materializer.name, writer.sha.hexdigest(), writer.size, warnings
    raise AssertionError("cloudpickle takes every value")  # pragma: no cover


#: Set in an attempt's environment (see :mod:`dagwell.runtimes.attempt_scratch`): the
#: local store starts its temporary files' names with it, so that the partial files of an
#: attempt killed mid-write (timeout, OOM kill, a stopped run) are found and removed once
#: the attempt has ended, and never those of another writer.
WRITER_ENV = "DAGWELL_WRITER"
_WRITER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.~\-]{0,199}$")


class LocalArtifactStore:
    """Artifacts in a local (or shared, mounted) directory."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.url = str(self.root)
        self._serial = 0
        writer = os.environ.get(WRITER_ENV, "")
        self._writer = writer if _WRITER.match(writer) else ""

    def _temp_name(self, prefix: str) -> str:
        """Unique without randomness: this process's pid and a counter (cheap in a child),
        after the attempt's writer name if it runs in one."""
        self._serial += 1
        name = f"{self._writer}{prefix}{os.getpid()}-{self._serial}"
        return str(self.root / "tmp" / name)

    def discard_temp(self, writer: str) -> int:
        """Remove the temporary files whose names start with ``writer`` (a name given in
        ``WRITER_ENV``, or the start common to a run's): only call it once those writers
        have ended, since a live writer renames its files. Returns how many were removed."""
        if not _WRITER.match(writer):
            raise ValueError(f"{writer!r} is not a writer name")
        try:
            names = os.listdir(self.root / "tmp")
        except FileNotFoundError:
            return 0
        removed = 0
        for name in names:
            if name.startswith(writer):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.root / "tmp" / name)
                    removed += 1
        return removed

    def _create_temp(self, prefix: str) -> tuple[int, str]:
        name = self._temp_name(prefix)
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL
        try:
            return os.open(name, flags, 0o644), name
        except FileNotFoundError:
            (self.root / "tmp").mkdir(parents=True, exist_ok=True)
            return os.open(name, flags, 0o644), name

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, value: Any, materializer: type | None = None) -> tuple[ArtifactRef, list[str]]:
        if value is None:
            return NONE_REF, []
        spool = _Spool(lambda: self._create_temp("put-"))
        try:
            used, digest, size, warnings = _serialize_to(value, spool, materializer)
            final = self._path(object_key(digest))
            if not _file_digest_is(final, digest):  # missing, or corrupt: (re)write it
                name = spool.to_file()
                if final.is_dir() and not final.is_symlink():  # (no object: as a corrupt one)
                    shutil.rmtree(final)
                try:
                    os.replace(name, final)
                except FileNotFoundError:
                    final.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(name, final)
        finally:
            spool.discard()
        return _ref(digest, used, value, size), warnings

    def exists(self, ref: ArtifactRef) -> bool:
        if ref.uri is not None:
            return os.path.exists(ref.uri)
        return ref.materializer == "none" or self._path(object_key(ref.digest)).exists()

    def verify(self, ref: ArtifactRef) -> bool:
        """True when the artifact is there and its bytes still hash to its digest (data
        registered in place: when it is still there)."""
        if ref.uri is not None:
            return os.path.exists(ref.uri)
        return ref.materializer == "none" or _file_digest_is(
            self._path(object_key(ref.digest)), ref.digest
        )

    def open_object(self, ref: ArtifactRef) -> IO[bytes]:
        """The stored bytes of ``ref``, unloaded (the caller closes it)."""
        return open(self._path(object_key(ref.digest)), "rb")

    def get(self, ref: ArtifactRef) -> Any:
        if ref.materializer == "none":
            return None
        if ref.uri is not None:
            return preexisting.copy_out(ref)
        path = self._path(object_key(ref.digest))
        try:
            f = open(path, "rb")  # noqa: SIM115 (closed below, after loading)
        except FileNotFoundError:
            raise ArtifactError(
                f"Artifact {ref.digest[:12]} ({ref.type_name}) is missing from {self.url}. It "
                "was deleted or the run used another artifact store; re-run the step that "
                "produced it."
            ) from None
        except OSError as error:  # a directory in its place, a file made unreadable
            what = "is not a file" if isinstance(error, IsADirectoryError) else "cannot be read"
            raise ArtifactError(
                f"Artifact {ref.digest[:12]} ({ref.type_name}) {what}: {path} "
                f"({error.strerror}). It was changed outside dagwell; re-run the step that "
                "produced it (its new output takes that path), or restore the file."
            ) from None
        with f:
            return _decode(ref, f, self.url)

    def write_manifest(self, key: str, manifest: ResultManifest) -> None:
        self.write_blob(key, json.dumps(manifest.to_json()).encode())

    def write_doc(self, key: str, doc: dict[str, Any], *, exclusive: bool = False) -> bool:
        """Write a small JSON document; with ``exclusive`` only if ``key`` is new (the
        atomic create that numbers artifact versions). False when it existed."""
        path = self._path(key)
        fd, tmp = self._create_temp("doc-")
        try:
            data = memoryview(json.dumps(doc).encode())
            while data:  # a full disk takes what fits (a short write), then says ENOSPC
                data = data[os.write(fd, data) :]
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            raise
        os.close(fd)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not exclusive:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)  # fails if path exists: no two writers get one key
        except FileExistsError:
            return False
        finally:
            os.unlink(tmp)
        return True

    def read_doc(self, key: str) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads(self._path(key).read_text())
        except FileNotFoundError:
            return None
        except ValueError as error:  # not JSON (truncated, overwritten): say which file
            raise _corrupt_doc(str(self._path(key)), error) from error
        return data

    def list_keys(self, prefix: str) -> list[str]:
        root = self._path(prefix)
        if not root.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in root.rglob("*.json") if p.is_file())

    def write_blob(self, key: str, data: bytes) -> None:
        """Write ``data`` under ``key`` in one step: a temporary file, then a rename."""
        path = self._path(key)
        fd, tmp = self._create_temp("blob-")
        with os.fdopen(fd, "wb") as f:  # a loop of writes: os.write may write only part
            f.write(data)
        try:
            os.replace(tmp, path)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, path)

    def read_blob(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def list_blobs(self, prefix: str) -> list[str]:
        root = self._path(prefix)
        if not root.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in root.iterdir() if p.is_file())

    def delete_blob(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def read_manifest(self, key: str) -> ResultManifest | None:
        return _read_manifest(key, lambda found: self._path(found).read_bytes())


_CHUNK = 1 << 20


def _hash_file(f: IO[bytes]) -> str:
    sha = hashlib.sha256()
    while chunk := f.read(_CHUNK):
        sha.update(chunk)
    return sha.hexdigest()


def _file_digest_is(path: Path, digest: str) -> bool:
    """Whether ``path`` is a file holding bytes of ``digest``; not when it is missing or
    cannot be read (a directory in its place, a file made unreadable): no valid object."""
    try:
        with open(path, "rb") as f:
            return _hash_file(f) == digest
    except OSError:
        return False


def _decode(ref: ArtifactRef, f: IO[bytes], where: str) -> Any:
    """Verify the open file ``f`` against ``ref``'s digest, then load it from the start."""
    digest = _hash_file(f)
    if digest != ref.digest:
        raise ArtifactCorrupt(
            f"Artifact {ref.digest[:12]} ({ref.type_name}) in {where} is corrupt: its bytes "
            f"hash to {digest[:12]}. It was changed after it was written; re-run the step "
            "that produced it (its new output replaces the corrupt file)."
        )
    f.seek(0)
    return load(ref.materializer, f, python=ref.python, type_name_=ref.type_name)


class FsspecArtifactStore:
    """Artifacts under an fsspec URL (s3://bucket/prefix, gs://..., memory://...)."""

    def __init__(self, url: str) -> None:
        try:
            import fsspec
        except ImportError:
            raise ArtifactError(
                f"The artifact store {url!r} needs fsspec: pip install 'dagwell[remote]' "
                "(plus s3fs or gcsfs for those URLs)."
            ) from None
        self.url = url.rstrip("/")
        try:
            self.fs, self.base = fsspec.core.url_to_fs(self.url)
        except ImportError as error:  # a known protocol whose filesystem is not installed
            raise ConfigError(f"The artifact store {url!r} cannot be opened: {error}.") from None
        except ValueError as error:  # "Protocol not known"
            raise ConfigError(
                f"The artifact store {url!r} cannot be opened: {error}. Use a local path or an "
                "fsspec URL (s3://, gs://, az://, memory://...) in DAGWELL_ARTIFACT_STORE."
            ) from None

    def _path(self, key: str) -> str:
        return f"{self.base.rstrip('/')}/{check_key(key)}"

    def put(self, value: Any, materializer: type | None = None) -> tuple[ArtifactRef, list[str]]:
        if value is None:
            return NONE_REF, []
        spool = _Spool(tempfile.mkstemp)
        try:
            used, digest, size, warnings = _serialize_to(value, spool, materializer)
            final = self._path(object_key(digest))
            if not self._remote_digest_is(final, digest):  # missing or corrupt: (re)write
                name = spool.to_file()
                try:
                    self.fs.put_file(name, final)
                finally:
                    os.unlink(name)
        finally:
            spool.discard()
        return _ref(digest, used, value, size), warnings

    def exists(self, ref: ArtifactRef) -> bool:
        if ref.uri is not None:
            return bool(self.fs.exists(ref.uri))
        return ref.materializer == "none" or bool(
            self.fs.exists(self._path(object_key(ref.digest)))
        )

    def _remote_digest_is(self, path: str, digest: str) -> bool:
        try:
            with self.fs.open(path, "rb") as f:
                return _hash_file(f) == digest
        except FileNotFoundError:
            return False

    def verify(self, ref: ArtifactRef) -> bool:
        if ref.uri is not None:
            return bool(self.fs.exists(ref.uri))
        return ref.materializer == "none" or self._remote_digest_is(
            self._path(object_key(ref.digest)), ref.digest
        )

    def open_object(self, ref: ArtifactRef) -> IO[bytes]:
        """The stored bytes of ``ref``, unloaded (the caller closes it)."""
        f: IO[bytes] = self.fs.open(self._path(object_key(ref.digest)), "rb")
        return f

    def get(self, ref: ArtifactRef) -> Any:
        if ref.materializer == "none":
            return None
        if ref.uri is not None:
            return preexisting.copy_out(ref, self.fs)
        with tempfile.TemporaryFile("w+b") as local:  # a real file: loaders read it once
            try:
                with self.fs.open(self._path(object_key(ref.digest)), "rb") as f:
                    while chunk := f.read(_CHUNK):
                        local.write(chunk)
            except FileNotFoundError:
                raise ArtifactError(
                    f"Artifact {ref.digest[:12]} ({ref.type_name}) is missing from {self.url}."
                ) from None
            local.seek(0)
            return _decode(ref, local, self.url)

    def write_manifest(self, key: str, manifest: ResultManifest) -> None:
        self.write_blob(key, json.dumps(manifest.to_json()).encode())

    def read_manifest(self, key: str) -> ResultManifest | None:
        def read(found: str) -> bytes:
            with self.fs.open(self._path(found), "rb") as f:
                data: bytes = f.read()
            return data

        return _read_manifest(key, read)

    def write_doc(self, key: str, doc: dict[str, Any], *, exclusive: bool = False) -> bool:
        """Object stores have no atomic create-if-absent through fsspec: ``exclusive``
        checks first (two writers of one new version at the same instant can both win)."""
        path = self._path(key)
        if exclusive and self.fs.exists(path):
            return False
        with self.fs.open(path, "wb") as f:
            f.write(json.dumps(doc).encode())
        return True

    def read_doc(self, key: str) -> dict[str, Any] | None:
        try:
            with self.fs.open(self._path(key), "rb") as f:
                data: dict[str, Any] = json.loads(f.read())
        except FileNotFoundError:
            return None
        except ValueError as error:
            raise _corrupt_doc(f"{self.url}/{key}", error) from error
        return data

    def list_keys(self, prefix: str) -> list[str]:
        base = self.base.rstrip("/") + "/"
        root = self._path(prefix)
        if not self.fs.exists(root):
            return []
        found = [str(p) for p in self.fs.find(root) if str(p).endswith(".json")]
        return sorted(p.split(base, 1)[-1] if base in p else p for p in found)

    def write_blob(self, key: str, data: bytes) -> None:
        with self.fs.open(self._path(key), "wb") as f:  # one PUT: atomic on object stores
            f.write(data)

    def read_blob(self, key: str) -> bytes | None:
        try:
            with self.fs.open(self._path(key), "rb") as f:
                data: bytes = f.read()
        except FileNotFoundError:
            return None
        return data

    def list_blobs(self, prefix: str) -> list[str]:
        """The keys directly under ``prefix`` (listed afresh: no listing cache)."""
        base = self.base.rstrip("/") + "/"
        root = self._path(prefix)
        try:
            found = [str(p) for p in self.fs.ls(root, detail=False, refresh=True)]
        except FileNotFoundError:
            return []
        return sorted(p.split(base, 1)[-1] if base in p else p for p in found)

    def delete_blob(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self._path(key))


def open_artifact_store(location: str | os.PathLike[str]) -> ArtifactStore:
    text = str(location)
    if text.startswith("file://"):
        return LocalArtifactStore(text.removeprefix("file://"))
    if "://" in text:
        return FsspecArtifactStore(text)
    return LocalArtifactStore(text)


def _ref(digest: str, used: str, value: Any, size: int) -> ArtifactRef:
    """The ref of a value a store has just put, with its built-in materializer's metadata."""
    python = PYTHON if used == "cloudpickle" else None
    meta = builtin_metadata(used, value)
    return ArtifactRef(digest, used, type_name(value), size, python, metadata=meta)
