"""Named artifact versions, metadata and model versions, kept as JSON documents in the
artifact store.

ZenML users name their data (``Annotated[df, "iris_dataset"]``, ``save_artifact``) and
read it back by name and version from anywhere: another pipeline, a notebook, a step on
another machine. Attempt processes never touch the run store, so the registry lives
where every attempt already writes: next to the artifacts. Each version is one small
document created atomically (a local store refuses a second writer of the same key), so
two steps saving the same name get two different version numbers. Metadata is
append-only (one document per call, merged in time order), so concurrent writers never
lose each other's keys.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from dagwell.artifact_store.custom import artifact_type_of
from dagwell.artifact_store.store import ArtifactStore
from dagwell.core.context import StepInfo
from dagwell.core.errors import ArtifactCorrupt, ArtifactError, ModelStageTaken
from dagwell.core.manifest import ArtifactRef
from dagwell.core.plan import format_name

log = logging.getLogger("dagwell.artifact_store.registry")


T = TypeVar("T")


#: The longest key part a name is encoded in: a file name holds 255 bytes, ``.json``
#: included; a name of 300 characters (or 70 of CJK) encoded whole did not fit
#: (ENAMETOOLONG at run time). Every part that fits is the one the previous dagwell
#: wrote, so the versions an older home holds under it are still found.
LONGEST_PART = 255 - len(".json")


def encode(name: str) -> str:
    """A name as one safe key part (names may hold ``::``, spaces or slashes): the name
    itself, base64-encoded, or, when that is longer than LONGEST_PART, its hash (whose
    documents then say the name: see :func:`decode`)."""
    encoded = "n" + base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")
    if len(encoded) <= LONGEST_PART:
        return encoded
    return "h" + hashlib.sha256(name.encode()).hexdigest()


def decode(part: str) -> str | None:
    """The name ``part`` encodes; None for a hashed one (read the name from its doc)."""
    if part.startswith("h"):
        return None
    raw = part[1:]
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()


def _named(store: ArtifactStore, part: str, key: str, field: str) -> str | None:
    """The name ``part`` stands for: decoded, or the ``field`` of the document at ``key``
    (a hashed part); None when that document is gone or corrupt."""
    name = decode(part)
    if name is not None:
        return name
    try:
        doc = store.read_doc(key)
    except ArtifactCorrupt:
        return None
    return str(doc[field]) if doc and field in doc else None


def _version_key(name: str, version: str) -> str:
    return f"registry/artifacts/{encode(name)}/{encode(version)}.json"


def _taken_versions(store: ArtifactStore, name: str) -> set[str]:
    """The version names of ``name`` read from its keys alone (no document is opened),
    so numbering a new version stays cheap however many versions there are."""
    keys = store.list_keys(f"registry/artifacts/{encode(name)}")
    versions = (
        _named(store, k.rsplit("/", 1)[-1].removesuffix(".json"), k, "version") for k in keys
    )
    return {v for v in versions if v is not None}


def _read_versions(
    store: ArtifactStore, name: str
) -> tuple[list[dict[str, Any]], dict[str, ArtifactCorrupt]]:
    """The readable versions of ``name`` (oldest first, metadata merged in), and the error
    of each version whose document is corrupt: one bad document hides only itself."""
    found: list[dict[str, Any]] = []
    corrupt: dict[str, ArtifactCorrupt] = {}
    for key in store.list_keys(f"registry/artifacts/{encode(name)}"):
        try:
            doc = store.read_doc(key)
        except ArtifactCorrupt as error:
            part = key.rsplit("/", 1)[-1].removesuffix(".json")
            corrupt[decode(part) or part] = error
            continue
        if doc is not None:
            found.append(doc)
    found.sort(key=lambda d: (d["created"], d["id"]))
    for doc in found:
        doc["run_metadata"] = {
            **doc.get("run_metadata", {}),
            **read_metadata(store, "artifact", doc["id"]),
        }
        doc["tags"] = read_tags(store, doc["id"], doc.get("tags", []))
    return found, corrupt


def add_tags(store: ArtifactStore, version_id: str, tags: list[str]) -> None:
    """Tag an existing artifact version (append-only, like metadata: versions stay
    immutable documents and concurrent taggers never lose each other's tags)."""
    stamp = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
    store.write_doc(f"registry/tags/{encode(version_id)}/{stamp}.json", {"tags": list(tags)})


def remove_tags(store: ArtifactStore, version_id: str, tags: list[str]) -> None:
    """Untag an artifact version: appended like a tagging, so it removes what was tagged
    before it (at saving or by add_tags) and a later add_tags tags it again."""
    stamp = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
    store.write_doc(f"registry/tags/{encode(version_id)}/{stamp}.json", {"removed": list(tags)})


def read_tags(store: ArtifactStore, version_id: str, saved: Iterable[str] = ()) -> list[str]:
    """The version's tags: those it was ``saved`` with, then each tagging and untagging
    in the order they were made."""
    found = list(dict.fromkeys(saved))
    for key in sorted(store.list_keys(f"registry/tags/{encode(version_id)}")):
        doc = store.read_doc(key)
        if doc is None:
            continue
        found.extend(t for t in doc.get("tags", []) if t not in found)
        removed = set(doc.get("removed", []))
        found = [t for t in found if t not in removed]
    return found


def leave_other_versions(
    store: ArtifactStore, name: str, version_id: str, exclusive: Iterable[str]
) -> None:
    """Exclusive tags just put on version ``version_id`` of artifact ``name`` leave the
    artifact's other versions (ZenML 0.98: one version of each artifact carries one)."""
    wanted = set(exclusive)
    if not wanted:
        return
    for doc in artifact_versions(store, name):
        if doc["id"] == version_id:
            continue
        held = [t for t in read_tags(store, doc["id"], doc.get("tags") or []) if t in wanted]
        if held:
            remove_tags(store, doc["id"], held)


def artifact_versions(store: ArtifactStore, name: str) -> list[dict[str, Any]]:
    """Every readable version of ``name``, oldest first, each with its metadata merged in
    (a corrupt one is left out of listings, with a warning naming its file)."""
    found, corrupt = _read_versions(store, name)
    for error in corrupt.values():
        log.warning("%s", error)
    return found


def _older(version: str, than: str) -> bool:
    return version.isdigit() and than.isdigit() and int(version) < int(than)


def find_published(
    store: ArtifactStore, run_id: str, step_id: str, output: str
) -> dict[str, Any] | None:
    """The artifact version a step output was registered as, if it was (see
    :func:`publish_outputs`): found through the per-run index it writes."""
    try:
        pointer = store.read_doc(
            f"registry/outputs/{run_id}/{encode(step_id)}/{encode(output)}.json"
        )
        if pointer is None:
            return None
        return get_version(store, pointer["name"], pointer["version"])
    except KeyError:
        return None
    except ArtifactCorrupt as error:  # the run store's own record of the output still holds
        log.warning("%s", error)
        return None


def artifact_names(store: ArtifactStore) -> list[str]:
    return _names(store, "registry/artifacts")  # (each version's document says its name)


def get_version(
    store: ArtifactStore, name: str, version: str | int | None = None
) -> dict[str, Any]:
    """The named version, or the newest one; an error lists what exists. Like ZenML's
    ``name_id_or_prefix``, ``name`` may also be a version's id (with or without dashes) or a
    unique prefix of one."""
    versions, corrupt = _read_versions(store, name)
    if version is not None and str(version) in corrupt:
        raise corrupt[str(version)]
    if version is None and corrupt:  # the newest may be the unreadable one
        newest = versions[-1]["version"] if versions else None
        for unreadable, error in corrupt.items():
            if newest is None or not _older(unreadable, newest):
                raise error
    if not versions and version is None:
        by_id = _version_by_id(store, name)
        if by_id is not None:
            return by_id
    if not versions:
        raise KeyError(
            f"No artifact named {name!r} in {store.url}. Name step outputs with "
            "Annotated[T, 'name'] or save one with save_artifact(value, name=...)."
        )
    return pick_version(name, versions, version)


def pick_version(
    name: str, versions: list[dict[str, Any]], version: str | int | None
) -> dict[str, Any]:
    """``version`` of ``name`` among its ``versions`` (oldest first), or the newest; an
    error lists what exists."""
    if version is None:
        return versions[-1]
    for doc in versions:
        if doc["version"] == str(version):
            return doc
    raise KeyError(
        f"Artifact {name!r} has no version {version!r}; it has "
        f"{', '.join(d['version'] for d in versions)}."
    )


def _version_by_id(store: ArtifactStore, id_or_prefix: str) -> dict[str, Any] | None:
    every = (doc for name in artifact_names(store) for doc in artifact_versions(store, name))
    return _one_by_id(id_or_prefix, every, lambda doc: doc, "artifact version")


def _one_by_id(
    id_or_prefix: str, items: Iterable[T], id_of: Callable[[T], dict[str, Any]], what: str
) -> T | None:
    """The one item whose ``id`` starts with ``id_or_prefix`` (a uuid, dashes or not, or
    a prefix of 4+ hex digits); None when it is no id or matches nothing."""
    wanted = id_prefix(id_or_prefix)
    if wanted is None:
        return None
    return only_one(id_or_prefix, [i for i in items if id_of(i)["id"].startswith(wanted)], what)


def id_prefix(id_or_prefix: str) -> str | None:
    """An id or id prefix as stored (no dashes, lower case); None when it is not one (a
    uuid, dashes or not, or 4+ hex digits)."""
    wanted = id_or_prefix.replace("-", "").lower()
    if len(wanted) < 4 or any(c not in "0123456789abcdef" for c in wanted):
        return None
    return wanted


def only_one(id_or_prefix: str, found: list[T], what: str) -> T | None:
    """The one item an id prefix matched; an ambiguous prefix is an error."""
    if len(found) > 1:
        raise KeyError(f"{id_or_prefix!r} is a prefix of {len(found)} {what} ids; give more of it.")
    return found[0] if found else None


def register_version(
    store: ArtifactStore,
    name: str,
    ref: ArtifactRef,
    *,
    version: str | int | None = None,
    tags: list[str] | None = None,
    run_metadata: dict[str, Any] | None = None,
    producer: dict[str, Any] | None = None,
    artifact_type: str = "DataArtifact",
    model: dict[str, Any] | None = None,
    is_model_artifact: bool = False,
    has_custom_name: bool = True,
    save_type: str = "step_output",
) -> dict[str, Any]:
    """Record a new version of ``name``; without ``version`` the next whole number.
    ``has_custom_name`` is False for a step output that kept its default name
    (``<pipeline>::<step>::<output>``) and was recorded only for its ArtifactConfig;
    ``save_type`` is ZenML's: ``step_output``, ``manual`` or ``preexisting``."""
    if not name:
        raise ArtifactError("An artifact name must not be empty.")
    doc = {
        "id": uuid.uuid4().hex,
        "name": name,
        "ref": ref.to_json(),
        "tags": list(tags or []),
        "run_metadata": dict(run_metadata or {}),
        "producer": producer or {},
        "artifact_type": artifact_type,
        "model": model,
        "is_model_artifact": is_model_artifact,
        "has_custom_name": has_custom_name,
        "save_type": save_type,
        "created": time.time(),
    }
    if version is not None:
        doc["version"] = str(version)
        if not store.write_doc(_version_key(name, str(version)), doc, exclusive=True):
            raise ArtifactError(
                f"Artifact {name!r} already has a version {version!r}; versions are "
                "immutable. Leave version= out to get the next number, or pick another."
            )
        return doc
    taken = _taken_versions(store, name)
    number = 1 + max((int(v) for v in taken if v.isdigit()), default=0)
    while True:
        doc["version"] = str(number)
        if store.write_doc(_version_key(name, str(number)), doc, exclusive=True):
            return doc
        number += 1


def add_metadata(store: ArtifactStore, kind: str, key: str, metadata: dict[str, Any]) -> None:
    """Attach metadata to a run, step, artifact version or model version (append-only)."""
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}.")
    stamp = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
    store.write_doc(f"registry/metadata/{kind}/{encode(key)}/{stamp}.json", {"m": metadata})


def read_metadata(store: ArtifactStore, kind: str, key: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for k in store.list_keys(f"registry/metadata/{kind}/{encode(key)}"):
        doc = store.read_doc(k)
        if doc is not None:
            merged.update(doc["m"])
    return merged


# -- models -------------------------------------------------------------------------------
def _model_key(name: str) -> str:
    return f"registry/models/{encode(name)}/model.json"


def _model_version_key(name: str, number: int) -> str:
    return f"registry/models/{encode(name)}/versions/{number:08d}.json"


def ensure_model(store: ArtifactStore, name: str, fields: dict[str, Any]) -> dict[str, Any]:
    doc = store.read_doc(_model_key(name)) or {"name": name, "id": uuid.uuid4().hex}
    doc.update({k: v for k, v in fields.items() if v is not None})
    store.write_doc(_model_key(name), doc)
    return doc


def get_model(store: ArtifactStore, name: str) -> dict[str, Any]:
    doc = store.read_doc(_model_key(name))
    if doc is None:
        raise KeyError(
            f"No model named {name!r} in {store.url}. A pipeline or step with "
            f"model=Model(name={name!r}) creates it when it runs."
        )
    return doc


def model_versions(store: ArtifactStore, name: str) -> list[dict[str, Any]]:
    keys = store.list_keys(f"registry/models/{encode(name)}/versions")
    docs = [store.read_doc(k) for k in keys]
    found = [d for d in docs if d is not None]
    for doc in found:
        doc["run_metadata"] = read_metadata(store, "model", doc["id"])
    return found


def create_model_version(
    store: ArtifactStore, name: str, version: str | None, fields: dict[str, Any]
) -> dict[str, Any]:
    """A new version of model ``name`` (numbered; named ``version`` when given), with the
    ``description`` and ``tags`` of ``fields``. A model that does not exist yet is made with
    the card fields (``license``, ``description``, ...; not the tags, which are the
    version's), as ZenML makes it implicitly; an existing one is left as it is."""
    if store.read_doc(_model_key(name)) is None:
        ensure_model(store, name, {k: v for k, v in fields.items() if k != "tags"})
    existing = model_versions(store, name)
    if version is not None:
        for doc in existing:
            if doc["name"] == version:
                return doc
    number = 1 + max((d["number"] for d in existing), default=0)
    while True:
        doc = {
            "id": uuid.uuid4().hex,
            "model": name,
            "number": number,
            "name": version or str(number),
            "stage": None,
            "created": time.time(),
            "description": fields.get("description"),
            "tags": list(fields.get("tags") or []),
        }
        if store.write_doc(_model_version_key(name, number), doc, exclusive=True):
            return dict(doc)
        number += 1


def model_names(store: ArtifactStore) -> list[str]:
    return _names(store, "registry/models", "model.json")


def _names(store: ArtifactStore, folder: str, named_in: str | None = None) -> list[str]:
    """The names of the artifacts (or models) under ``folder``, one per key part; a
    hashed part's name is read from its document ``named_in`` (None: any under it)."""
    parts: dict[str, str] = {}  # part -> the document that says its name
    for key in store.list_keys(folder):
        part = key.split("/")[2]
        parts.setdefault(part, f"{folder}/{part}/{named_in}" if named_in else key)
    names = (_named(store, part, key, "name") for part, key in parts.items())
    return sorted({n for n in names if n is not None})


def model_version_by_id(
    store: ArtifactStore, id_or_prefix: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The model and model version with this id (dashes or not, or a unique prefix)."""
    every = (
        (get_model(store, name), doc)
        for name in model_names(store)
        for doc in model_versions(store, name)
    )
    return _one_by_id(id_or_prefix, every, lambda pair: pair[1], "model version")


STAGES = ("none", "staging", "production", "archived", "latest")


def find_model_version(
    store: ArtifactStore, name: str, version: str | int | None
) -> dict[str, Any]:
    """By number, name, stage ("production", ...) or the newest (None or "latest")."""
    versions = model_versions(store, name)
    if not versions:
        get_model(store, name)  # raises the "no such model" error
        raise KeyError(f"Model {name!r} has no versions yet; run a pipeline with it first.")
    text = None if version is None else str(getattr(version, "value", version))
    if text in (None, "latest"):
        return versions[-1]
    for doc in reversed(versions):
        if text in (doc["name"], str(doc["number"])) or doc["stage"] == text:
            return dict(doc)
    raise KeyError(
        f"Model {name!r} has no version {text!r}; it has {', '.join(d['name'] for d in versions)}."
    )


def link_to_model(store: ArtifactStore, name: str, number: int, version_id: str) -> None:
    """Link an existing artifact version to a model version (ZenML's
    ``link_artifact_to_model``): a document of its own, so versions stay immutable."""
    key = f"registry/model-links/{encode(name)}/{number}/{encode(version_id)}.json"
    store.write_doc(key, {"artifact_version_id": version_id})


def model_links(store: ArtifactStore, name: str, number: int) -> set[str]:
    """The artifact version ids linked to a model version by :func:`link_to_model`."""
    found = set()
    for key in store.list_keys(f"registry/model-links/{encode(name)}/{number}"):
        doc = store.read_doc(key)
        if doc is not None:
            found.add(str(doc["artifact_version_id"]))
    return found


def set_stage(store: ArtifactStore, name: str, number: int, stage: str, force: bool) -> None:
    """Move a model version to ``stage``; another version there must be forced out."""
    versions = model_versions(store, name)
    holders = [d for d in versions if d["stage"] == stage and d["number"] != number]
    if holders and stage not in ("none", "archived") and not force:
        raise ModelStageTaken(
            f"Model {name!r} version {holders[0]['name']!r} is already in stage {stage!r}; "
            "pass force=True to move it to archived."
        )
    for doc in versions:
        if doc in holders and stage not in ("none", "archived"):
            doc["stage"] = "archived"
        elif doc["number"] == number:
            doc["stage"] = stage
        else:
            continue
        doc.pop("run_metadata", None)
        store.write_doc(_model_version_key(name, doc["number"]), doc)


def edit_model_version(
    store: ArtifactStore,
    name: str,
    number: int,
    *,
    new_name: str | None = None,
    description: str | None = None,
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
) -> None:
    """ZenML's ``update_model_version`` of what is not its stage: a new name (another
    version of the model must not have it: EntityExistsError), a description, tags added
    and removed (one it has already, or lacks, is left as it is)."""
    from dagwell.core.errors import EntityExistsError

    doc = store.read_doc(_model_version_key(name, number))
    if doc is None:
        raise KeyError(f"Model {name!r} has no version number {number}.")
    if new_name is not None and new_name != doc["name"]:
        taken = [d for d in model_versions(store, name) if d["name"] == new_name]
        if taken:
            raise EntityExistsError(
                f"Model {name!r} has a version named {new_name!r} already (number "
                f"{taken[0]['number']}); give version {number} another name."
            )
        doc["name"] = new_name
    if description is not None:
        doc["description"] = description
    removed = set(remove_tags)
    tags = [t for t in doc.get("tags") or [] if t not in removed]
    tags += [t for t in dict.fromkeys(add_tags) if t not in tags]
    doc["tags"] = tags
    doc.pop("run_metadata", None)
    store.write_doc(_model_version_key(name, number), doc)


def unnamed_output(pipeline: str, step_id: str, output: str) -> str:
    """ZenML's artifact name for an output without a name of its own."""
    return f"{pipeline or 'unlisted'}::{step_id}::{output}"


_UNNAMED = uuid.UUID("6f1c2a52-8d0e-5b7a-9c43-2d1e0f6a7b85")


def unnamed_id(run_id: str, step_id: str, output: str) -> str:
    """The id of the artifact version an unnamed output is: the same every time it is
    read, and known in the attempt's process without reading anything."""
    return uuid.uuid5(_UNNAMED, f"{run_id}/{step_id}/{output}").hex


def _link_key(version_id: str) -> str:
    return f"registry/links/{encode(version_id)}.json"


def unnamed_doc(
    store: ArtifactStore,
    name: str,
    version: int,
    ref: dict[str, Any],
    producer: dict[str, Any],
    created: float,
) -> dict[str, Any]:
    """The version document of an unnamed output, derived from the run store's record of
    the step (see dagwell.engine.unnamed) with what was added to it by id: metadata, tags,
    the model version it was produced for and its artifact type when not DataArtifact."""
    version_id = unnamed_id(producer["run_id"], producer["step"], producer["output"])
    link = None
    try:
        link = store.read_doc(_link_key(version_id))
    except ArtifactCorrupt as error:  # the version itself still holds
        log.warning("%s", error)
    return {
        "id": version_id,
        "name": name,
        "version": str(version),
        "ref": ref,
        "tags": list(dict.fromkeys(read_tags(store, version_id))),
        "run_metadata": read_metadata(store, "artifact", version_id),
        "producer": producer,
        "artifact_type": (link or {}).get("artifact_type") or "DataArtifact",
        "model": (link or {}).get("model"),
        "is_model_artifact": False,
        "created": created,
    }


def needs_publishing(info: StepInfo, refs: dict[str, ArtifactRef]) -> bool:
    """Whether :func:`publish_outputs` has anything to write: an unnamed output with no
    metadata, tags, model version or artifact type of its own is registered by the run
    store's record alone (a dict lookup or two per output, no I/O)."""
    return bool(
        info.context.get("artifacts")
        or info.output_metadata
        or info.output_tags
        or info.context.get("cascade_tags")
        or info.context.get("model")
        or any(
            artifact_type_of(ref.materializer, ref.type_name) != "DataArtifact"
            for ref in refs.values()
        )
    )


def publish_outputs(
    store: ArtifactStore, info: StepInfo, refs: dict[str, ArtifactRef], now: datetime
) -> None:
    """Register a finished attempt's named outputs as artifact versions (ZenML 0.98: an
    output named by ``Annotated``/``ArtifactConfig(name=)`` is a version of that name).

    Every other output is one too, ``<pipeline>::<invocation id>::<output>``, but nothing
    is written for it here: its versions are derived from the run store's record of the
    step when read (dagwell.engine.unnamed), so an attempt pays nothing for them. Only what
    that record lacks is written, by the version's id: metadata and tags the step added
    (and the pipeline's cascading ones), and the model version it was produced for."""
    configs: dict[str, dict[str, Any]] = info.context.get("artifacts") or {}
    model = info.context.get("model")
    substitutions = dict(info.context.get("substitutions") or {})
    cascade: list[str] = info.context.get("cascade_tags") or []  # the pipeline's, on all
    for output, ref in refs.items():
        config = configs.get(output)
        metadata = info.output_metadata.get(output, {})
        tags = list(dict.fromkeys([*info.output_tags.get(output, []), *cascade]))
        if config is None:
            version_id = unnamed_id(info.run_id, info.step_id, output)
            if metadata:
                add_metadata(store, "artifact", version_id, metadata)
            if tags:
                add_tags(store, version_id, tags)
            kind = artifact_type_of(ref.materializer, ref.type_name)
            if model or kind != "DataArtifact":  # what the run store's record lacks
                store.write_doc(_link_key(version_id), {"model": model, "artifact_type": kind})
            continue
        template = config.get("name") or unnamed_output(info.pipeline, info.step_id, output)
        doc = register_version(
            store,
            format_name(template, substitutions, now),
            ref,
            version=config.get("version"),
            tags=[*config.get("tags", []), *tags],
            run_metadata={**config.get("run_metadata", {}), **metadata},
            producer={"run_id": info.run_id, "step": info.step_id, "output": output},
            artifact_type=config.get("artifact_type")
            or artifact_type_of(ref.materializer, ref.type_name),
            model=model,
            is_model_artifact=bool(config.get("is_model_artifact")),
            has_custom_name=bool(config.get("name")),
        )
        store.write_doc(
            f"registry/outputs/{info.run_id}/{encode(info.step_id)}/{encode(output)}.json",
            {"name": doc["name"], "version": doc["version"]},
        )
        known = info.context.get("known_tags") or {}  # (the run store's, see engine.known_tags)
        given = [*config.get("tags", []), *tags]
        leave_other_versions(store, doc["name"], doc["id"], [t for t in given if known.get(t)])


def tag_outputs(
    store: ArtifactStore, run_id: str, step_id: str, outputs: Iterable[str], tags: list[str]
) -> None:
    """Tag the versions step ``step_id`` of run ``run_id`` registered its ``outputs`` as:
    a cached step's outputs get the reusing run's cascading tags, as in ZenML."""
    for output in outputs:
        doc = find_published(store, run_id, step_id, output)
        add_tags(store, doc["id"] if doc else unnamed_id(run_id, step_id, output), tags)


def _saved_key(run_id: str, step_id: str) -> str:
    return f"registry/saved/{run_id}/{encode(step_id)}.json"


def record_saved(store: ArtifactStore, info: StepInfo) -> None:
    """Record the artifact versions a finished attempt saved (``save_artifact`` and
    ``register_artifact`` in the step) as the step's outputs, ZenML's manual outputs.
    Written by the attempt that ends well, before its manifest, so a later attempt's list
    replaces a killed one's."""
    store.write_doc(_saved_key(info.run_id, info.step_id), {"versions": list(info.saved)})


def _loaded_key(run_id: str, step_id: str, version_id: str = "") -> str:
    folder = f"registry/loaded/{run_id}/{encode(step_id)}"
    return f"{folder}/{encode(version_id)}.json" if version_id else folder


def record_loaded(store: ArtifactStore, run_id: str, step_id: str, doc: dict[str, Any]) -> None:
    """Record that step ``step_id`` of run ``run_id`` loaded artifact version ``doc``
    itself (ZenML's manual inputs: ``load_artifact`` and ``Client().get_artifact_version``
    in a step), once per version, as it was then."""
    key = _loaded_key(run_id, step_id, str(doc["id"]))
    if store.read_doc(key) is None:
        store.write_doc(key, {"loaded_at": time.time(), "version": doc})


def find_loaded(store: ArtifactStore, run_id: str, step_id: str) -> list[dict[str, Any]]:
    """The artifact versions step ``step_id`` of run ``run_id`` loaded itself, in the order
    it first loaded them (see :func:`record_loaded`)."""
    found = []
    for key in store.list_keys(_loaded_key(run_id, step_id)):
        try:
            doc = store.read_doc(key)
        except ArtifactCorrupt as error:
            log.warning("%s", error)
            continue
        if doc is not None and isinstance(doc.get("version"), dict):
            found.append(doc)
    return [d["version"] for d in sorted(found, key=lambda d: d.get("loaded_at") or 0)]


def find_saved(store: ArtifactStore, run_id: str, step_id: str) -> list[dict[str, Any]]:
    """The versions step ``step_id`` of run ``run_id`` saved (see :func:`record_saved`)."""
    try:
        doc = store.read_doc(_saved_key(run_id, step_id))
    except ArtifactCorrupt as error:  # the step's own outputs still hold
        log.warning("%s", error)
        return []
    found = []
    for saved in (doc or {}).get("versions", []):
        try:
            found.append(get_version(store, saved["name"], saved["version"]))
        except (KeyError, ArtifactCorrupt) as error:
            log.warning("a version step %s saved is unreadable: %s", step_id, error)
    return found


class RegistryLoader:
    """What read models load through (core.records.ArtifactLoader): values, their URIs,
    metadata and the artifact versions outputs were registered as. ``opener`` returns
    the store, so a Client opens it only when something is actually read."""

    def __init__(self, opener: Callable[[], ArtifactStore]) -> None:
        self._opener = opener

    def get(self, ref: ArtifactRef) -> Any:
        return self._opener().get(ref)

    def uri(self, ref: ArtifactRef) -> str:
        from dagwell.artifact_store.store import object_key

        if ref.uri is not None:
            return ref.uri
        return f"{self._opener().url}/{object_key(ref.digest)}"

    def metadata(self, kind: str, key: str) -> dict[str, Any]:
        return read_metadata(self._opener(), kind, key)

    def published(self, run_id: str, step_id: str, output: str) -> dict[str, Any] | None:
        return find_published(self._opener(), run_id, step_id, output)

    def saved(self, run_id: str, step_id: str) -> list[dict[str, Any]]:
        return find_saved(self._opener(), run_id, step_id)

    def loaded(self, run_id: str, step_id: str) -> list[dict[str, Any]]:
        return find_loaded(self._opener(), run_id, step_id)

    def download(self, ref: ArtifactRef, path: str, overwrite: bool) -> None:
        from dagwell.artifact_store.download import download_files

        download_files(self._opener(), ref, path, overwrite)

    def run(self, run_id: str) -> Any:
        raise LookupError(
            f"This artifact version was read from the artifact store alone, which does not "
            f"hold runs; read it through Client() to get its run, or use "
            f"Client().get_pipeline_run({run_id!r})."
        )


def input_artifact_name(
    store: ArtifactStore, context: dict[str, Any], name: str, ref: ArtifactRef
) -> tuple[str, dict[str, Any] | None]:
    """What step input ``name`` is as an artifact (ZenML shows an input as the artifact
    version it is): its registered version when its producer registered one, and its
    name: the version's, else the unnamed-output name of the step output it came from,
    else (a constant passed in) the parameter's. ``context`` is the attempt's, whose
    ``input_sources`` maps an input to [run id, step id, output]."""
    source = (context.get("input_sources") or {}).get(name)
    if not source:
        return name, None
    doc = find_published(store, *source)
    if doc is not None and doc["ref"]["digest"] == ref.digest:
        return str(doc["name"]), doc
    name = unnamed_output(str(context.get("pipeline") or ""), source[1], source[2])
    return name, {  # an unnamed output's version: its id is known here, its number is not
        "name": name,
        "version": None,
        "ref": ref.to_json(),
        "id": unnamed_id(*source),
        "producer": {"run_id": source[0], "step": source[1], "output": source[2]},
    }


def model_artifact_input(
    store: ArtifactStore, context: dict[str, Any], wanted: dict[str, Any]
) -> ArtifactRef:
    """A step input a Model's ``get_artifact`` gave in the pipeline function, looked up as
    the step starts (ZenML's ModelVersionDataLazyLoader): the newest artifact ``name``
    (or its ``version``) linked to the model version, which is the run's own when the
    pipeline's Model named none. Not found: ZenML's error."""
    run_model = context.get("model") or {}
    if wanted["model_version"] is None and run_model.get("name") == wanted["model"]:
        number = int(run_model["number"])
    else:
        number = int(find_model_version(store, wanted["model"], wanted["model_version"])["number"])
    linked = [
        d
        for d in artifact_versions(store, wanted["name"])
        if (d.get("model") or {}).get("name") == wanted["model"]
        and (d.get("model") or {}).get("number") == number
        and (wanted["version"] is None or d["version"] == wanted["version"])
    ]
    if not linked:
        raise ValueError(
            f"Failed to lazy load model version data: Artifact "
            f"`{wanted['name']}::{wanted['version']}` not found in model `{wanted['model']}` "
            f"version `{number}`."
        )
    return ArtifactRef.from_json(linked[-1]["ref"])
