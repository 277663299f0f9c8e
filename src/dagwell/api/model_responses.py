"""What ``Client().get_model(...)`` and ``Client().get_model_version(...)`` return: ZenML
0.98's ModelResponse and ModelVersionResponse shapes.

They differ from :class:`dagwell.api.model.Model` (what a pipeline is configured with and
``get_step_context().model`` gives) where ZenML's differ: a version response's ``.name``
is the version's name and ``.model.name`` the model's; ``.tags`` are tag objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dagwell.api.model import Model, ModelStages
from dagwell.api.model_runs import RunSource, linked_runs
from dagwell.core.records import ArtifactVersion, Tag, to_datetime


class ModelResponse:
    """A model: ``.name``, ``.id``, its card fields, ``.latest_version_name``,
    ``.latest_version_id`` and ``.versions`` (each a :class:`Model`)."""

    def __init__(self, doc: dict[str, Any], store: Any) -> None:
        self._doc, self._store = doc, store
        self.name: str = doc["name"]
        self.id: str = doc["id"]
        self.license: str | None = doc.get("license")
        self.description: str | None = doc.get("description")
        self.audience: str | None = doc.get("audience")
        self.use_cases: str | None = doc.get("use_cases")
        self.limitations: str | None = doc.get("limitations")
        self.trade_offs: str | None = doc.get("trade_offs")
        self.ethics: str | None = doc.get("ethics")
        self.save_models_to_registry = True
        self.tags = [Tag(t) for t in doc.get("tags") or []]

    def __repr__(self) -> str:
        return f"ModelResponse(name={self.name!r})"

    def get_hydrated_version(self) -> ModelResponse:
        """ZenML's: the model read again from the registry."""
        from dagwell.artifact_store.registry import get_model

        return ModelResponse(get_model(self._store, self.name), self._store)

    def _versions(self) -> list[dict[str, Any]]:
        from dagwell.artifact_store.registry import model_versions

        return model_versions(self._store, self.name)

    @property
    def latest_version_name(self) -> str | None:
        versions = self._versions()
        return str(versions[-1]["name"]) if versions else None

    @property
    def latest_version_id(self) -> str | None:
        versions = self._versions()
        return str(versions[-1]["id"]) if versions else None

    @property
    def versions(self) -> list[Model]:
        return [Model._from_doc(self._doc, v, self._store) for v in self._versions()]


class ModelVersionResponse:
    """One version of a model: ``.name`` (the version's), ``.number``, ``.id``,
    ``.stage``, ``.model`` (a :class:`ModelResponse`), ``.description``, ``.tags``,
    ``.run_metadata``, ``.created``, ``get_artifact(name)`` and its kinds,
    ``data_artifacts``/``model_artifacts`` (and their ``*_artifact_ids``), ``set_stage(...)``,
    ``to_model_class()``."""

    def __init__(
        self, model: dict[str, Any], version: dict[str, Any], store: Any, runs: RunSource
    ) -> None:
        self._version = Model._from_doc(model, version, store)
        self._store, self._runs = store, runs
        self.model = ModelResponse(model, store)
        self.name: str = str(version["name"])
        self.number: int = int(version["number"])
        self.id: str = str(version["id"])
        self.description: str | None = version.get("description")
        self.tags = [Tag(t) for t in version.get("tags") or []]
        self.created = to_datetime(version.get("created"))

    def __repr__(self) -> str:
        return f"ModelVersionResponse(model={self.model.name!r}, name={self.name!r})"

    def get_hydrated_version(self) -> ModelVersionResponse:
        """ZenML's: the version read again from the registry (its stage, tags and
        metadata as they are now)."""
        from dagwell.artifact_store.registry import model_version_by_id

        hit = model_version_by_id(self._store, self.id)
        return (
            self if hit is None else ModelVersionResponse(hit[0], hit[1], self._store, self._runs)
        )

    @property
    def stage(self) -> str | None:
        return self._version.stage

    @property
    def run_metadata(self) -> dict[str, Any]:
        return self._version.run_metadata

    @property
    def pipeline_run_ids(self) -> dict[str, str]:
        """ZenML's: the id of each run linked to this version (its pipeline's or a step's
        model was this version), by run name (see dagwell.api.model_runs)."""
        rows = linked_runs(self._runs, self.model.name, self.number)
        return {str(r["name"]): str(r["id"]) for r in rows}

    @property
    def pipeline_runs(self) -> dict[str, Any]:
        """ZenML's: each run linked to this version, by run name."""
        return {
            r["name"]: self._runs.get_run(r["id"])
            for r in linked_runs(self._runs, self.model.name, self.number)
        }

    def get_artifact(self, name: str, version: str | None = None) -> ArtifactVersion | None:
        return self._version.find_artifact(name, version)

    def get_model_artifact(self, name: str, version: str | None = None) -> ArtifactVersion | None:
        return self._version.find_artifact(name, version, "ModelArtifact")

    def get_data_artifact(self, name: str, version: str | None = None) -> ArtifactVersion | None:
        return self._version.find_artifact(name, version, "DataArtifact")

    def get_deployment_artifact(
        self, name: str, version: str | None = None
    ) -> ArtifactVersion | None:
        return self._version.find_artifact(name, version, "ServiceArtifact")

    def _linked(self, keep: Callable[[str], bool]) -> dict[str, dict[str, ArtifactVersion]]:
        found: dict[str, dict[str, ArtifactVersion]] = {}
        for artifact in self._version.linked_artifacts():
            if keep(artifact.artifact_type):
                found.setdefault(artifact.name, {})[str(artifact.version)] = artifact
        return found

    @property
    def data_artifacts(self) -> dict[str, dict[str, ArtifactVersion]]:
        """Name -> version -> artifact version, for the artifacts linked here that are
        neither models nor services (ZenML's rule)."""
        return self._linked(lambda kind: kind not in ("ModelArtifact", "ServiceArtifact"))

    @property
    def model_artifacts(self) -> dict[str, dict[str, ArtifactVersion]]:
        return self._linked(lambda kind: kind == "ModelArtifact")

    @property
    def deployment_artifacts(self) -> dict[str, dict[str, ArtifactVersion]]:
        return self._linked(lambda kind: kind == "ServiceArtifact")

    @property
    def data_artifact_ids(self) -> dict[str, dict[str, str]]:
        """Name -> version -> id of :attr:`data_artifacts` (ZenML's deprecated shape, which
        its own tests and CLI still read)."""
        return _ids(self.data_artifacts)

    @property
    def model_artifact_ids(self) -> dict[str, dict[str, str]]:
        return _ids(self.model_artifacts)

    @property
    def deployment_artifact_ids(self) -> dict[str, dict[str, str]]:
        return _ids(self.deployment_artifacts)

    def set_stage(self, stage: str | ModelStages, force: bool = False) -> None:
        self._version.set_stage(stage, force)

    def to_model_class(self, suppress_class_validation_warnings: bool = True) -> Model:
        """This version as a :class:`Model` (what a pipeline's ``model=`` takes)."""
        return Model._from_doc(self.model._doc, self._version._version_doc(), self._store)


@dataclass(frozen=True)
class ModelVersionArtifactLink:
    """ZenML's ModelVersionArtifactResponse: one artifact version linked to a model version
    (``.artifact_version``; ``.model_version`` is the version's id, as in ZenML)."""

    artifact_version: ArtifactVersion
    model_version: str

    @property
    def id(self) -> str:
        return f"{self.model_version}/{self.artifact_version.id}"


def artifact_links(version: ModelVersionResponse) -> list[ModelVersionArtifactLink]:
    """The links of ``version``, oldest artifact version first."""
    return [
        ModelVersionArtifactLink(artifact, version.id)
        for artifact in version._version.linked_artifacts()
    ]


def _ids(linked: dict[str, dict[str, ArtifactVersion]]) -> dict[str, dict[str, str]]:
    return {name: {v: a.id for v, a in versions.items()} for name, versions in linked.items()}
