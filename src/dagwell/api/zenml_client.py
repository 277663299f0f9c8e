"""ZenML's Client methods over dagwell's store and artifact registry.

ZenML code reads runs, pipelines, artifacts and models back with ``Client().get_...``
and ``Client().list_...``; these return dagwell's read models, which carry ZenML's
attribute names (``run.steps[id].output.load()``, ``.run_metadata``, ``.last_run``).
A Client method ZenML has for something dagwell does not have (stacks, secrets, ...)
raises an error that names it and says what to use instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from dagwell.core.records import ArtifactVersion, PipelineRun

if TYPE_CHECKING:
    from dagwell.api.model_responses import ModelResponse, ModelVersionResponse

_NOT_IN_DAGWELL = {
    "active_stack_model": "dagwell has no stacks: choose where steps run with orchestrator=",
    "get_stack": "dagwell has no stacks: choose where steps run with orchestrator=",
    "list_stacks": "dagwell has no stacks: choose where steps run with orchestrator=",
    "activate_stack": "dagwell has no stacks: choose where steps run with orchestrator=",
    "get_secret": "dagwell has no secret store: read secrets from the environment",
    "create_secret": "dagwell has no secret store: read secrets from the environment",
    "list_secrets": "dagwell has no secret store: read secrets from the environment",
    "get_stack_component": "dagwell has no stack components",
    "list_stack_components": "dagwell has no stack components",
    "active_project": "dagwell has no projects: one home (DAGWELL_HOME) is one workspace",
    "active_user": "dagwell has no users",
    "get_service_connector": "dagwell has no service connectors: use a kubeconfig",
    "create_run_template": "dagwell has no run templates: call the pipeline",
    "trigger_pipeline": "dagwell has no server-side triggers: call the pipeline or use Schedule",
}


class Page(list[Any]):
    """ZenML's Page: a list that also answers ``.items`` and ``.total``."""

    @property
    def items(self) -> list[Any]:
        return list(self)

    @property
    def total(self) -> int:
        return len(self)


@dataclass
class PipelineView:
    """ZenML's PipelineResponse: ``.name``, ``.runs`` (newest first), ``.last_run``."""

    name: str
    _client: Any = field(repr=False)

    @property
    def id(self) -> str:
        return self.name

    @property
    def runs(self) -> list[PipelineRun]:
        return list(self._client.list_runs(limit=1000, pipeline=self.name))

    @property
    def last_run(self) -> PipelineRun:
        runs: list[PipelineRun] = self._client.list_runs(limit=1, pipeline=self.name)
        if not runs:
            raise KeyError(f"Pipeline {self.name!r} has no runs.")
        return runs[0]

    @property
    def last_successful_run(self) -> PipelineRun:
        runs: list[PipelineRun] = self._client.list_runs(
            limit=1, pipeline=self.name, status="completed"
        )
        if not runs:
            raise KeyError(f"Pipeline {self.name!r} has no completed runs.")
        return runs[0]


@dataclass(frozen=True)
class ArtifactStoreView:
    """ZenML's ``active_stack.artifact_store``: where this home keeps its artifacts."""

    path: str
    name: str = "default"

    @property
    def flavor(self) -> str:
        return "local" if "://" not in self.path else self.path.split("://", 1)[0]


@dataclass
class ArtifactView:
    """ZenML's ArtifactResponse (``Client().get_artifact(name)``): ``.name``, ``.id``,
    ``.versions`` (version name -> artifact version), ``.latest_version_name``,
    ``.latest_version_id``, ``.tags`` (of all its versions)."""

    name: str
    _client: Any = field(repr=False)

    @property
    def id(self) -> str:
        return self.name

    def _versions(self) -> list[ArtifactVersion]:
        return list(self._client.list_artifact_versions(name=self.name))

    @property
    def versions(self) -> dict[str, ArtifactVersion]:
        return {str(v.version): v for v in self._versions()}

    @property
    def latest_version_name(self) -> str | None:
        versions = self._versions()
        return str(versions[-1].version) if versions else None

    @property
    def latest_version_id(self) -> str | None:
        versions = self._versions()
        return versions[-1].id if versions else None

    @property
    def tags(self) -> list[Any]:
        seen: dict[str, Any] = {}
        for version in self._versions():
            for tag in version.tags:
                seen.setdefault(tag.name, tag)
        return list(seen.values())


#: Stack components a ZenML default (local) stack leaves empty: ZenML answers None, and
#: code written for it tests ``if alerter:`` and carries on. dagwell answers the same.
OPTIONAL_COMPONENTS = frozenset(
    {
        "alerter",
        "annotator",
        "container_registry",
        "data_validator",
        "deployer",
        "experiment_tracker",
        "feature_store",
        "image_builder",
        "log_store",
        "model_deployer",
        "model_registry",
        "step_operator",
    }
)


@dataclass(frozen=True)
class StackView:
    """ZenML's ``Client().active_stack``, as its default local stack looks: an artifact
    store (code writes files under ``active_stack.artifact_store.path`` to register them)
    and no optional components (None). dagwell has no stack components; where steps run
    is the pipeline's orchestrator, so ``.orchestrator`` says so."""

    artifact_store: ArtifactStoreView
    name: str = "default"

    def __getattr__(self, name: str) -> Any:
        if name in OPTIONAL_COMPONENTS:
            return None
        if name.startswith("_"):
            raise AttributeError(name)
        raise AttributeError(
            f"Client().active_stack.{name} is a ZenML stack component dagwell does not have: "
            "its stack is only the artifact store; choose where steps run with orchestrator=."
        )


class ZenMLClientMixin:
    """Mixed into :class:`dagwell.api.client.Client`."""

    # Provided by Client (declared here for the type checker only).
    get_run: Callable[..., PipelineRun]
    list_runs: Callable[..., list[PipelineRun]]
    artifacts: Callable[[], Any]
    _loader: Callable[[], Any]

    def __getattr__(self, name: str) -> Any:
        if name in _NOT_IN_DAGWELL:
            raise AttributeError(
                f"Client().{name} is a ZenML feature dagwell does not have: "
                f"{_NOT_IN_DAGWELL[name]}."
            )
        raise AttributeError(f"'Client' object has no attribute {name!r}")

    @property
    def active_stack(self) -> StackView:
        """The artifact store as ZenML's stack shows it; a local one exists once asked for,
        as ZenML's does, so files can be written under its ``path`` at once."""
        url = str(self.artifacts().url)
        if "://" not in url:
            os.makedirs(url, exist_ok=True)
        return StackView(ArtifactStoreView(url))

    # -- runs and pipelines --------------------------------------------------------------
    def get_pipeline_run(self, name_id_or_prefix: str, **_: Any) -> PipelineRun:
        """A run by id, id prefix, run name or ``latest`` (ZenML's name for get_run)."""
        return self.get_run(str(name_id_or_prefix))

    def list_pipeline_runs(
        self,
        *,
        pipeline_name: str | None = None,
        pipeline_id: str | None = None,
        status: str | None = None,
        size: int = 50,
        **_: Any,
    ) -> Page:
        pipeline = pipeline_name or pipeline_id
        status_text = None if status is None else str(getattr(status, "value", status))
        return Page(self.list_runs(limit=size, pipeline=pipeline, status=status_text))

    def get_pipeline(self, name_id_or_prefix: str, **_: Any) -> PipelineView:
        name = str(name_id_or_prefix)
        if not self.list_runs(limit=1, pipeline=name):
            raise KeyError(f"No pipeline named {name!r} has run in this home.")
        return PipelineView(name, self)

    def list_pipelines(self, **_: Any) -> Page:
        names = dict.fromkeys(r.pipeline for r in self.list_runs(limit=10_000))
        return Page(PipelineView(str(n), self) for n in names)

    # -- artifacts -----------------------------------------------------------------------
    def get_artifact_version(
        self, name_id_or_prefix: str | UUID, version: str | int | None = None, **_: Any
    ) -> ArtifactVersion:
        """The newest version of a named artifact, or the given ``version``; or the artifact
        version with this id (or id prefix), as ZenML's ``name_id_or_prefix`` allows."""
        from dagwell.engine import unnamed

        client: Any = self
        doc = unnamed.get(client, str(name_id_or_prefix), version)
        return ArtifactVersion.from_doc(doc, unnamed.loader_of(client, doc))

    def get_artifact(self, name_id_or_prefix: str, **_: Any) -> ArtifactView:
        """ZenML's ArtifactResponse of a named artifact (``.versions``, ``.latest_...``)."""
        from dagwell.engine import unnamed

        name = str(name_id_or_prefix)
        client: Any = self
        if name not in unnamed.names(client):
            raise KeyError(
                f"No artifact named {name!r} in {self.artifacts().url}. Name step outputs "
                "with Annotated[T, 'name'] or save one with save_artifact(value, name=...)."
            )
        return ArtifactView(name, self)

    def list_artifacts(self, name: str | None = None, **_: Any) -> Page:
        from dagwell.engine import unnamed

        client: Any = self
        names = unnamed.names(client)
        return Page(ArtifactView(n, self) for n in names if name is None or n == name)

    def list_artifact_versions(
        self,
        name: str | None = None,
        *,
        artifact_name: str | None = None,
        tag: str | None = None,
        tags: list[str] | None = None,
        **_: Any,
    ) -> Page:
        from dagwell.engine import unnamed

        client: Any = self
        wanted = name or artifact_name
        names = [wanted] if wanted else unnamed.names(client)
        found = [
            ArtifactVersion.from_doc(d, unnamed.loader_of(client, d))
            for n in names
            for d in unnamed.versions(client, n)
        ]
        need = {*(tags or []), *([tag] if tag else [])}
        if need:
            found = [a for a in found if need <= {t.name for t in a.tags}]
        return Page(found)

    # -- models --------------------------------------------------------------------------
    def get_model(self, model_name_or_id: str, **_: Any) -> ModelResponse:
        """ZenML's ModelResponse: ``.name``, ``.id``, card fields, ``.versions``."""
        from dagwell.api.model_responses import ModelResponse
        from dagwell.artifact_store.registry import get_model

        return ModelResponse(get_model(self.artifacts(), str(model_name_or_id)), self.artifacts())

    def get_model_version(
        self,
        model_name_or_id: str | None = None,
        model_version_name_or_number_or_id: Any = None,
        **_: Any,
    ) -> ModelVersionResponse:
        """ZenML's ModelVersionResponse (``.name`` is the version's name, ``.model.name``
        the model's), found by version name, number, stage (ModelStages) or id; the newest
        when omitted. With only a version id, ``model_name_or_id`` may be None."""
        from dagwell.api.model_responses import ModelVersionResponse
        from dagwell.artifact_store.registry import (
            find_model_version,
            get_model,
            model_version_by_id,
        )

        store = self.artifacts()
        wanted = model_version_name_or_number_or_id
        if isinstance(wanted, UUID) or (model_name_or_id is None and wanted is not None):
            hit = model_version_by_id(store, str(wanted))
            if hit is None:
                raise KeyError(f"No model version with id {str(wanted)!r} in {store.url}.")
            return ModelVersionResponse(hit[0], hit[1], store)
        if model_name_or_id is None:
            raise ValueError(
                "No model identifier provided and model version identifier "
                f"`{wanted}` is not a valid UUID."
            )
        name = str(model_name_or_id)
        version = find_model_version(store, name, wanted)
        return ModelVersionResponse(get_model(store, name), version, store)

    def list_model_versions(self, model_name_or_id: str, **_: Any) -> Page:
        from dagwell.api.model_responses import ModelVersionResponse
        from dagwell.artifact_store.registry import get_model, model_versions

        store = self.artifacts()
        model = get_model(store, str(model_name_or_id))
        return Page(
            ModelVersionResponse(model, v, store) for v in model_versions(store, model["name"])
        )
