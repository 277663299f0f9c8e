"""ZenML's artifact functions: ``save_artifact``, ``load_artifact``, ``register_artifact``,
``log_metadata``, and the ``ArtifactConfig``/``ExternalArtifact`` a pipeline uses.

Versions and metadata live in the artifact registry next to the artifacts (see
:mod:`dagwell.artifact_store.registry`): inside a step, the step's artifact store; outside,
the home's (``DAGWELL_ARTIFACT_STORE`` or ``.dagwell/artifacts``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from dagwell.api.tags import Tags, refuse_cascade, tag_names, tag_specs
from dagwell.core.context import StepInfo, current_step
from dagwell.core.records import ArtifactVersion


@dataclass(frozen=True)
class ArtifactConfig:
    """How a step output is registered: ``Annotated[T, ArtifactConfig(name=...)]``.
    ``name`` may hold ``{date}``, ``{time}`` and substitution placeholders."""

    name: str | None = None
    version: str | int | None = None
    tags: Tags = None
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
            "tags": tag_names(self.tags, "ArtifactConfig(tags=...)"),
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
    tags: Tags = None,
    extract_metadata: bool = True,
    include_visualizations: bool = True,
    user_metadata: dict[str, Any] | None = None,
    materializer: Any = None,
    uri: str | None = None,
    save_type: Any = None,
    has_custom_name: bool = True,
    **unknown: Any,
) -> ArtifactVersion:
    """Store ``data`` as a new version of artifact ``name`` (numbered when ``version`` is
    omitted) and return it; inside a step it is linked to the step's run and model.
    (``save_type`` and ``has_custom_name`` are ZenML's internal ones, with no effect here.)"""
    if unknown:
        hint = (
            " Mark a model with artifact_type=ArtifactType.MODEL (is_model_artifact= is an "
            "older ZenML's)."
            if "is_model_artifact" in unknown
            else ""
        )
        raise TypeError(
            f"save_artifact() got unexpected keyword argument(s) {', '.join(sorted(unknown))}; "
            "it takes data, name, version, artifact_type, tags, extract_metadata, "
            f"include_visualizations, user_metadata, materializer and uri.{hint}"
        )

    from dagwell.artifact_store.custom import extracted_metadata

    client = _client()
    ref, _warnings = client.artifacts().put(data, materializer)
    names = tag_names(tags, "save_artifact(tags=...)")
    if not extract_metadata:  # (a built-in materializer's metadata rides on the ref)
        ref = replace(ref, metadata={})
    metadata = {  # (ZenML's order: the user's metadata over the materializer's)
        **(extracted_metadata(ref.materializer, data) if extract_metadata else {}),
        **(user_metadata or {}),
    }
    return _new_version(client, name, ref, version, artifact_type, names, metadata, "manual")


def _new_version(
    client: Any,
    name: str,
    ref: Any,
    version: str | int | None,
    artifact_type: Any,
    tags: list[str] | None,
    metadata: dict[str, Any] | None,
    save_type: str,
) -> ArtifactVersion:
    """Register ``ref`` as a version of ``name``; inside a step it is linked to the step's
    run and model and is one of the step's outputs (published with them by the attempt),
    as ZenML links a manually saved artifact."""
    from dagwell.artifact_store.custom import artifact_type_of
    from dagwell.artifact_store.registry import register_version

    info = current_step()
    if artifact_type is None:
        artifact_type = artifact_type_of(ref.materializer, ref.type_name)
    doc = register_version(
        client.artifacts(),
        name,
        ref,
        version=version,
        tags=tags,
        run_metadata=metadata,
        producer={"run_id": info.run_id, "step": info.step_id} if info else {},
        artifact_type=str(getattr(artifact_type, "value", artifact_type)),
        model=info.context.get("model") if info else None,
        save_type=save_type,
    )
    if tags:  # an exclusive tag leaves the artifact's other versions, as in ZenML
        from dagwell.artifact_store.registry import leave_other_versions

        known = _exclusive_tags(client, info)
        leave_other_versions(
            client.artifacts(), doc["name"], doc["id"], [t for t in tags if known.get(t)]
        )
    if info is not None and not info.in_hook:  # one of the step's outputs, as in ZenML
        info.saved.append({"name": doc["name"], "version": doc["version"]})
    return ArtifactVersion.from_doc(doc, client._loader())


def _exclusive_tags(client: Any, info: Any) -> dict[str, bool]:
    """Which tags are exclusive: the run store's; in an attempt (which never reads it),
    what the orchestrator handed it (engine.known_tags: none past its size cap)."""
    if info is not None and not info.in_hook:
        return dict(info.context.get("known_tags") or {})
    return {str(r["name"]): bool(r["exclusive"]) for r in client.store().tag_rows()}


def register_artifact(
    folder_or_file_uri: str,
    name: str,
    version: str | int | None = None,
    artifact_type: Any = None,
    tags: Tags = None,
    has_custom_name: bool = True,
    artifact_metadata: dict[str, Any] | None = None,
) -> ArtifactVersion:
    """Register a file or folder already inside the artifact store as a version of
    ``name``, in place, as ZenML 0.98 does: nothing is copied, the version's ``uri`` is
    ``folder_or_file_uri``, and ``.load()`` gives a ``pathlib.Path`` to a local copy.
    ``has_custom_name`` only decides where ZenML's dashboard lists it (nothing here)."""
    import os

    from dagwell.artifact_store import preexisting
    from dagwell.artifact_store.registry import encode

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
    ref = preexisting.in_place_ref(uri, size)
    names = tag_names(tags, "register_artifact(tags=...)")
    return _new_version(
        client, name, ref, version, artifact_type, names, artifact_metadata, "preexisting"
    )


def add_tags(
    tags: Tags,
    pipeline: str | None = None,
    run: str | None = None,
    run_template: str | None = None,
    snapshot: str | None = None,
    deployment: str | None = None,
    artifact: str | None = None,
    artifact_version_id: str | None = None,
    artifact_name: str | None = None,
    artifact_version: str | None = None,
    infer_artifact: bool | None = None,
) -> None:
    """ZenML 0.98's ``add_tags``: an artifact version by id, by name and version, or the
    running step's output (``infer_artifact=True``, with ``artifact_name=`` to pick one);
    a run (``run=``: id, name or prefix; no target inside a step: the step's run), a
    pipeline (``pipeline=``) or an artifact (``artifact=``), kept in the run store (see
    dagwell.api.run_tags)."""
    _tag("add_tags", tags, **_targets(locals()))


def remove_tags(
    tags: Tags,
    pipeline: str | None = None,
    run: str | None = None,
    run_template: str | None = None,
    snapshot: str | None = None,
    deployment: str | None = None,
    artifact: str | None = None,
    artifact_version_id: str | None = None,
    artifact_name: str | None = None,
    artifact_version: str | None = None,
    infer_artifact: bool | None = None,
) -> None:
    """ZenML 0.98's ``remove_tags``, with ``add_tags``'s targets: the tags leave the
    artifact version (those it was saved with too; a tag it lacks is no error), the
    running step's output (``infer_artifact=True``), the run or the pipeline."""
    _tag("remove_tags", tags, **_targets(locals()))


def _targets(given: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in given.items() if k != "tags"}


def _tag(
    call: str,
    tags: Tags,
    *,
    pipeline: str | None,
    run: str | None,
    run_template: str | None,
    snapshot: str | None,
    deployment: str | None,
    artifact: str | None,
    artifact_version_id: str | None,
    artifact_name: str | None,
    artifact_version: str | None,
    infer_artifact: bool | None,
) -> None:
    from dagwell.api import version_tags
    from dagwell.artifact_store import registry

    adding = call == "add_tags"
    refuse_cascade(tags, f"{call}(tags=...)")
    unsupported = {"run_template": run_template, "snapshot": snapshot, "deployment": deployment}
    given = [k for k, v in unsupported.items() if v is not None]
    if given:
        raise ValueError(
            f"{call}({given[0]}=...): dagwell has no run templates, snapshots or "
            "deployments; tag artifact versions instead."
        )
    if infer_artifact is False and artifact_name is None and artifact_version is None:
        infer_artifact = None  # ZenML: infer_artifact=False is the same as leaving it out
    info = current_step()
    client = _client()
    by_name = artifact_name is not None and artifact_version is not None
    if (artifact_version_id is not None and not (artifact_name or artifact_version)) or (
        by_name and not infer_artifact
    ):
        found = (
            client.get_artifact_version(artifact_name, artifact_version)
            if artifact_version_id is None
            else client.get_artifact_version(str(artifact_version_id))
        )
        if adding:  # (an exclusive tag leaves the artifact's other versions)
            version_tags.attach(client, found.id, tags, call)
        else:
            names = [t["name"] for t in tag_specs(tags, f"{call}(tags=...)")]
            registry.remove_tags(client.artifacts(), found.id, names)
    elif infer_artifact and artifact_version is None:
        if info is None:
            raise ValueError(
                f"When you are using the `infer_artifact` option when you call `{call}`, it "
                "must be called inside a step with outputs. Otherwise, you can provide a "
                "`artifact_version_id` or a combination of `artifact_name` and "
                "`artifact_version`."
            )
        output = info.output_name(artifact_name, f"{call}(infer_artifact=True)")
        names = tag_names(tags, f"{call}(tags=...)")
        have = info.output_tags.setdefault(output, [])
        if adding:
            have.extend(n for n in names if n not in have)
        else:
            have[:] = [t for t in have if t not in names]
    elif not (artifact_name or artifact_version or infer_artifact) and (
        sum(t is not None for t in (pipeline, run, artifact)) == 1
        or (pipeline is None and run is None and artifact is None and info is not None)
    ):
        from dagwell.api import run_tags

        run_tags.change(call, tags, client, info, pipeline=pipeline, run=run, artifact=artifact)
    elif artifact_name is None and artifact_version is None:
        raise ValueError(
            f"You are calling '{call}()' outside of a step execution. If you would like "
            f"to {'add tags to' if adding else 'remove tags from'} a ZenML entity outside "
            "of the step execution, please provide the required identifiers."
        )
    else:
        raise ValueError(
            f"Unsupported way to call `{call}`: give artifact_version_id=, or "
            "artifact_name= and artifact_version=, or (in a step) infer_artifact=True."
        )


def load_artifact(name_or_id: str, version: str | int | None = None) -> Any:
    """The value of artifact ``name_or_id`` (its newest version, or ``version``)."""
    return _client().get_artifact_version(name_or_id, version).load()


_FORMS = """log_metadata(metadata={})  # inside a step: the step run
log_metadata(metadata={}, step_name=..., run_id_name_or_prefix=...)
log_metadata(metadata={}, step_id=...)
log_metadata(metadata={}, run_id_name_or_prefix=...)
log_metadata(metadata={}, infer_model=True)
log_metadata(metadata={}, model_name=..., model_version=...)
log_metadata(metadata={}, model_version_id=...)
log_metadata(metadata={}, infer_artifact=True)  # step with single output
log_metadata(metadata={}, artifact_name=..., infer_artifact=True)  # one output of the step
log_metadata(metadata={}, artifact_name=..., artifact_version=...)
log_metadata(metadata={}, artifact_version_id=...)"""


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
    """Attach metadata, with ZenML 0.98's targets and their order of precedence
    (zenml/utils/metadata_utils.py): a step run (by id, or by name in a run), a run, a
    model version (by name and version, or id, or the step's), an artifact version (by
    name and version, or id, or the step's own output), else the running step. A target
    that does not exist is an error, as is a combination ZenML does not accept."""
    from dagwell.artifact_store.registry import add_metadata

    if not isinstance(metadata, dict):
        raise TypeError(f"log_metadata(metadata=...) takes a dict, got {type(metadata).__name__}.")
    info = current_step()
    client = _client()
    store = client.artifacts()
    if step_id is not None:
        add_metadata(store, "step", _step_key(client, info, str(step_id)), metadata)
    elif step_name is not None and run_id_name_or_prefix is not None:
        run_id = str(run_id_name_or_prefix)
        if info is None or run_id not in (info.run_id, info.run_name):
            run_id = client.get_pipeline_run(run_id).id
        else:
            run_id = info.run_id
        add_metadata(store, "step", _step_key(client, info, f"{run_id}/{step_name}"), metadata)
    elif run_id_name_or_prefix is not None:
        run_id = str(run_id_name_or_prefix)
        if info is None or run_id not in (info.run_id, info.run_name):
            run_id = client.get_pipeline_run(run_id).id
        add_metadata(
            store, "run", info.run_id if info and run_id == info.run_name else run_id, metadata
        )
    elif model_name is not None and model_version is not None:
        add_metadata(
            store, "model", client.get_model_version(model_name, model_version).id, metadata
        )
    elif model_version_id is not None:
        version = client.get_model_version(None, str(model_version_id))
        add_metadata(store, "model", version.id, metadata)
    elif infer_model:
        if info is None:
            raise ValueError(
                "If you are using the `infer_model` option, the function must be called "
                "inside a step with configured `model` in decorator. Otherwise, you can "
                "provide a `model_version_id` or a combination of `model_name` and "
                "`model_version`."
            )
        model = info.context.get("model")
        if not model:
            raise ValueError(
                f"The step context does not feature any model versions: step "
                f"{info.step_name!r} has no model; set model=Model(...) on it or its pipeline."
            )
        version = client.get_model_version(model["name"], int(model["number"]))
        add_metadata(store, "model", version.id, metadata)
    elif artifact_name is not None and artifact_version is not None:
        add_metadata(
            store,
            "artifact",
            client.get_artifact_version(artifact_name, artifact_version).id,
            metadata,
        )
    elif artifact_version_id is not None:
        add_metadata(
            store, "artifact", client.get_artifact_version(str(artifact_version_id)).id, metadata
        )
    elif infer_artifact:
        if info is None:
            raise ValueError(
                "When you are using the `infer_artifact` option when you call `log_metadata`, "
                "it must be called inside a step with outputs. Otherwise, you can provide a "
                "`artifact_version_id` or a combination of `artifact_name` and "
                "`artifact_version`."
            )
        output = info.output_name(artifact_name, "log_metadata(infer_artifact=True)")
        info.output_metadata.setdefault(output, {}).update(metadata)
    elif all(v is None for v in (artifact_name, model_name, model_version, artifact_version)):
        if info is None:
            raise ValueError(
                "You are calling 'log_metadata()' outside of a step execution. To attach "
                "metadata outside a step, name the target: run_id_name_or_prefix=, "
                "artifact_name= and artifact_version=, model_name= and model_version=, ..."
            )
        add_metadata(store, "step", f"{info.run_id}/{info.step_id}", metadata)
    else:
        raise ValueError(
            "Unsupported way to call `log_metadata`: give one of these combinations:\n" + _FORMS
        )


def _step_key(client: Any, info: StepInfo | None, step_id: str) -> str:
    """A step run's id (``<run id>/<invocation id>``, ZenML's ``step_run.id``), checked
    against the store, except for the running step's own run (an attempt, on a pod
    too, never reads the run store)."""
    run_part, _, name = step_id.rpartition("/")
    if not run_part or not name:
        raise KeyError(
            f"{step_id!r} is not a step run id: dagwell's are '<run id>/<invocation id>' "
            "(step_run.id, get_step_context().step_run.id)."
        )
    if info is not None and run_part == info.run_id:
        return step_id
    run = client.get_pipeline_run(run_part)
    if name not in run.steps:
        raise KeyError(f"Run {run.id} has no step {name!r}; it has {', '.join(run.steps)}.")
    return f"{run.id}/{name}"
