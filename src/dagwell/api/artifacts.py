"""ZenML's artifact functions: ``save_artifact``, ``load_artifact``, ``register_artifact``,
``log_metadata``, and the ``ArtifactConfig``/``ExternalArtifact`` a pipeline uses.

Versions and metadata live in the artifact registry next to the artifacts (see
:mod:`dagwell.artifact_store.registry`): inside a step, the step's artifact store; outside,
the home's (``DAGWELL_ARTIFACT_STORE`` or ``.dagwell/artifacts``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dagwell.core.context import StepInfo, current_step
from dagwell.core.records import ArtifactVersion


@dataclass(frozen=True)
class ArtifactConfig:
    """How a step output is registered: ``Annotated[T, ArtifactConfig(name=...)]``.
    ``name`` may hold ``{date}``, ``{time}`` and substitution placeholders."""

    name: str | None = None
    version: str | int | None = None
    tags: list[str] | None = None
    run_metadata: dict[str, Any] | None = None
    artifact_type: Any = None
    is_model_artifact: bool = False

    def to_json(self) -> dict[str, Any]:
        kind = self.artifact_type
        if self.is_model_artifact and kind is None:
            kind = "ModelArtifact"
        return {
            "name": self.name,
            "version": None if self.version is None else str(self.version),
            "tags": list(self.tags or []),
            "run_metadata": dict(self.run_metadata or {}),
            "artifact_type": None if kind is None else str(getattr(kind, "value", kind)),
            "is_model_artifact": self.is_model_artifact,
        }


@dataclass(frozen=True)
class ExternalArtifact:
    """A value (not produced by a step) passed to a step inside a pipeline."""

    value: Any = None
    materializer: Any = None
    store_artifact_metadata: bool = True
    store_artifact_visualizations: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _client() -> Any:
    from dagwell.api.client import Client

    info = current_step()
    return Client(artifact_store=info.artifact_store) if info else Client()


def save_artifact(
    data: Any,
    name: str,
    version: str | int | None = None,
    artifact_type: Any = None,
    tags: list[str] | None = None,
    extract_metadata: bool = True,
    include_visualizations: bool = True,
    user_metadata: dict[str, Any] | None = None,
    materializer: Any = None,
    uri: str | None = None,
    **_: Any,
) -> ArtifactVersion:
    """Store ``data`` as a new version of artifact ``name`` (numbered when ``version`` is
    omitted) and return it; inside a step it is linked to the step's run and model."""
    from dagwell.artifact_store.registry import register_version

    client = _client()
    ref, _warnings = client.artifacts().put(data, materializer)
    info = current_step()
    doc = register_version(
        client.artifacts(),
        name,
        ref,
        version=version,
        tags=tags,
        run_metadata=user_metadata,
        producer={"run_id": info.run_id, "step": info.step_id} if info else {},
        artifact_type=str(getattr(artifact_type, "value", artifact_type or "DataArtifact")),
        model=info.context.get("model") if info else None,
    )
    return ArtifactVersion.from_doc(doc, client._loader())


def register_artifact(
    folder_or_file_uri: str,
    name: str,
    version: str | int | None = None,
    artifact_type: Any = None,
    tags: list[str] | None = None,
    has_custom_name: bool = True,
    artifact_metadata: dict[str, Any] | None = None,
) -> ArtifactVersion:
    """Register a file or folder already inside the artifact store as a version of
    ``name``, in place, as ZenML 0.98 does: nothing is copied, the version's ``uri`` is
    ``folder_or_file_uri``, and ``.load()`` gives a ``pathlib.Path`` to a local copy.
    ``has_custom_name`` only decides where ZenML's dashboard lists it (nothing here)."""
    import os

    from dagwell.artifact_store import preexisting
    from dagwell.artifact_store.registry import encode, register_version

    client = _client()
    store = client.artifacts()
    uri = str(folder_or_file_uri)
    local = "://" not in store.url
    if local:
        uri, root = os.path.abspath(uri), os.path.abspath(store.url)
    else:
        root = store.url
    if not uri.startswith(root.rstrip("/") + "/"):
        raise FileNotFoundError(
            f"Folder `{folder_or_file_uri}` is outside of artifact store bounds `{root}`: "
            "register_artifact keeps data where it is, so write it under "
            "Client().active_stack.artifact_store.path first (or use save_artifact to copy "
            "a value in)."
        )
    if not (os.path.exists(uri) if local else store.fs.exists(uri)):
        raise FileNotFoundError(
            f"register_artifact: nothing at {uri!r}; write the file or folder there first."
        )
    if not store.write_doc(f"registry/uris/{encode(uri)}.json", {"name": name}, exclusive=True):
        other = store.read_doc(f"registry/uris/{encode(uri)}.json") or {}
        raise RuntimeError(
            f"Cannot create new artifact {name} version with URI {uri} because the URI is "
            f"already used by artifact {other.get('name')}."
        )
    size = preexisting.local_size(uri) if local else int(store.fs.du(uri))
    info = current_step()
    doc = register_version(
        store,
        name,
        preexisting.in_place_ref(uri, size),
        version=version,
        tags=tags,
        run_metadata=artifact_metadata,
        producer={"run_id": info.run_id, "step": info.step_id} if info else {},
        artifact_type=str(getattr(artifact_type, "value", artifact_type or "DataArtifact")),
        model=info.context.get("model") if info else None,
    )
    return ArtifactVersion.from_doc(doc, client._loader())


def load_artifact(name_or_id: str, version: str | int | None = None) -> Any:
    """The value of artifact ``name_or_id`` (its newest version, or ``version``)."""
    return _client().get_artifact_version(name_or_id, version).load()


def log_metadata(
    metadata: dict[str, Any],
    step_id: str | None = None,
    step_name: str | None = None,
    run_id_name_or_prefix: str | None = None,
    artifact_version_id: str | None = None,
    artifact_name: str | None = None,
    artifact_version: str | None = None,
    infer_artifact: bool = False,
    model_version_id: str | None = None,
    model_name: str | None = None,
    model_version: Any = None,
    infer_model: bool = False,
) -> None:
    """Attach metadata, with ZenML's targets: the running step (no target), a step of a
    run, a run, an artifact version (by name and version, id, or the step's own output
    with ``infer_artifact``), or a model version (by name and version, or inferred)."""
    from dagwell.artifact_store.registry import add_metadata

    if not isinstance(metadata, dict):
        raise TypeError(f"log_metadata(metadata=...) takes a dict, got {type(metadata).__name__}.")
    info = current_step()
    client = _client()
    store = client.artifacts()
    if step_id is not None:
        add_metadata(store, "step", str(step_id), metadata)
    elif step_name is not None and run_id_name_or_prefix is not None:
        run = client.get_pipeline_run(str(run_id_name_or_prefix))
        add_metadata(store, "step", f"{run.id}/{step_name}", metadata)
    elif run_id_name_or_prefix is not None:
        run_id = str(run_id_name_or_prefix)
        if info is None or run_id not in (info.run_id, info.run_name):
            run_id = client.get_pipeline_run(run_id).id
        add_metadata(
            store, "run", info.run_id if info and run_id == info.run_name else run_id, metadata
        )
    elif model_name is not None and model_version is not None:
        from dagwell.api.model import Model

        Model(model_name, version=model_version).log_metadata(metadata)
    elif model_version_id is not None:
        raise ValueError(
            "log_metadata(model_version_id=...): dagwell finds model versions by name; pass "
            "model_name= and model_version= instead."
        )
    elif infer_model:
        _need_step(info, "infer_model=True")
        assert info is not None
        if not info.context.get("model"):
            raise ValueError(
                f"Step {info.step_name!r} has no model to infer; set model=Model(...)."
            )
        model = info.context["model"]
        from dagwell.api.model import Model

        m = Model(model["name"], version=model["version"])
        m._store = store
        m.log_metadata(metadata)
    elif artifact_name is not None and artifact_version is not None:
        add_metadata(
            store,
            "artifact",
            client.get_artifact_version(artifact_name, artifact_version).id,
            metadata,
        )
    elif artifact_version_id is not None:
        add_metadata(store, "artifact", str(artifact_version_id), metadata)
    elif infer_artifact:
        _need_step(info, "infer_artifact=True")
        assert info is not None
        output = info.output_name(artifact_name, "log_metadata(infer_artifact=True)")
        info.output_metadata.setdefault(output, {}).update(metadata)
    elif artifact_name is not None:
        raise ValueError(
            "log_metadata(artifact_name=...) needs artifact_version= too (or, inside a step, "
            "infer_artifact=True for the step's own output)."
        )
    else:
        _need_step(info, "log_metadata() without a target")
        assert info is not None
        add_metadata(store, "step", f"{info.run_id}/{info.step_id}", metadata)


def _need_step(info: StepInfo | None, what: str) -> None:
    if info is None:
        raise ValueError(
            f"You are calling {what} outside of a step execution. To attach metadata "
            "outside a step, name the target (run_id_name_or_prefix=, artifact_name= and "
            "artifact_version=, model_name= and model_version=)."
        )
