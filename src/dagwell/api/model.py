"""ZenML's Model control plane, kept small: models, numbered versions, stages, artifacts.

``Model(name=...)`` on a pipeline or step makes each run create a new numbered version
of that model (or use the one named by ``version=``: a name, a number, a stage, or
``"latest"``), and every named artifact the run's steps produce is linked to it. The
versions live in the artifact registry (:mod:`dagwell.artifact_store.registry`), so a
step on any machine and a notebook read the same model.
"""

from __future__ import annotations

import datetime
from enum import StrEnum
from typing import Any

from dagwell.api.tags import Tags, tag_names
from dagwell.core.errors import DefinitionError
from dagwell.core.records import ArtifactVersion, LazyModelArtifact


class ModelStages(StrEnum):
    NONE = "none"
    STAGING = "staging"
    PRODUCTION = "production"
    ARCHIVED = "archived"
    LATEST = "latest"


_FIELDS = (
    "license",
    "description",
    "audience",
    "use_cases",
    "limitations",
    "trade_offs",
    "ethics",
    "tags",
)


def _store_here() -> Any:
    """The artifact store of the running step, else of this home."""
    from dagwell.artifact_store.store import open_artifact_store
    from dagwell.core.context import current_step
    from dagwell.core.home import resolve_home

    info = current_step()
    return open_artifact_store(info.artifact_store if info else resolve_home().artifacts)


#: Model's parameters in order (what a positional argument stands for).
_PARAMETERS = (
    "name",
    "version",
    *_FIELDS,
    "save_models_to_registry",
    "model_version_id",
    "suppress_class_validation_warnings",
)


class Model:
    """A model and (once resolved) one of its versions: ``.name``, ``.version``,
    ``.number``, ``.stage``, ``.run_metadata``, ``get_artifact(name)``, ``set_stage(...)``.

    It remembers which fields it was given, as ZenML's (a pydantic model's fields set), so
    a ``model=`` given over another (``with_options``, a run configuration's ``model:``)
    changes only those: ``Model(name="clf", version="v2")`` over ``Model(name="clf",
    description="d")`` keeps the description, as in ZenML."""

    _given: frozenset[str] = frozenset()

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        obj = super().__new__(cls)
        obj._given = frozenset(_PARAMETERS[: len(args)]) | frozenset(kwargs)
        return obj

    def __init__(
        self,
        name: str,
        version: str | int | ModelStages | None = None,
        license: str | None = None,
        description: str | None = None,
        audience: str | None = None,
        use_cases: str | None = None,
        limitations: str | None = None,
        trade_offs: str | None = None,
        ethics: str | None = None,
        tags: Tags = None,
        save_models_to_registry: bool = True,
        model_version_id: str | None = None,
        suppress_class_validation_warnings: bool = False,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise DefinitionError("Model(name=...) needs a non-empty name.")
        self.name = name
        self.version: str | None = (
            None if version is None else str(getattr(version, "value", version))
        )
        self.license = license
        self.description = description
        self.audience = audience
        self.use_cases = use_cases
        self.limitations = limitations
        self.trade_offs = trade_offs
        self.ethics = ethics
        self.tags = tag_names(tags, "Model(tags=...)")
        self.save_models_to_registry = save_models_to_registry
        self.model_version_id = model_version_id
        self.suppress_class_validation_warnings = suppress_class_validation_warnings
        self._doc: dict[str, Any] | None = None
        self._model: dict[str, Any] | None = None
        self._store: Any = None

    def __repr__(self) -> str:
        return f"Model(name={self.name!r}, version={self.version!r})"

    @classmethod
    def _from_doc(cls, model: dict[str, Any], version: dict[str, Any] | None, store: Any) -> Model:
        obj = cls(model["name"], version=None if version is None else version["name"])
        for key in _FIELDS:
            if model.get(key) is not None:
                setattr(obj, key, model[key])
        obj._model, obj._doc, obj._store = model, version, store
        return obj

    def fields(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _FIELDS}

    def updated_by(self, other: Model) -> Model:
        """This configuration with the fields ``other`` was given over it (ZenML's merge of
        a ``model=`` into the one already configured): a new Model, unresolved."""
        given = {
            k: getattr(source, k)
            for source in (self, other)
            for k in _PARAMETERS
            if k in source._given
        }
        return Model(**given)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, **self.fields()}

    def model_dump(self, **_: Any) -> dict[str, Any]:
        """ZenML's (its Model is a pydantic model): every field, as a run configuration's
        ``model:`` takes them (``yaml.dump({"model": model.model_dump()})``)."""
        return {
            "name": self.name,
            **self.fields(),
            "version": self.version,
            "save_models_to_registry": self.save_models_to_registry,
            "model_version_id": self.model_version_id,
            "suppress_class_validation_warnings": self.suppress_class_validation_warnings,
        }

    # -- resolving the version -----------------------------------------------------------
    def _artifacts(self) -> Any:
        if self._store is None:
            self._store = _store_here()
        return self._store

    def _version_doc(self) -> dict[str, Any]:
        if self._doc is None:
            from dagwell.artifact_store.registry import find_model_version

            self._doc = find_model_version(self._artifacts(), self.name, self.version)
        return self._doc

    def _create_version(
        self,
        store: Any,
        substitutions: dict[str, str] | None = None,
        now: datetime.datetime | None = None,
    ) -> dict[str, Any]:
        """For a run: a new version (no ``version=``, or a new name), or the existing one
        a number, stage or ``latest`` names. Placeholders in the name and version
        (``{date}``, ``{time}``: of ``now``, the run's start; the run's substitutions) are
        filled in, as ZenML does."""
        from dagwell.artifact_store.registry import (
            STAGES,
            create_model_version,
            find_model_version,
        )
        from dagwell.core.plan import format_name

        self._store = store
        now = now or datetime.datetime.now()
        name = format_name(self.name, substitutions or {}, now) if "{" in self.name else self.name
        version = self.version
        if version is not None and "{" in version:
            version = format_name(version, substitutions or {}, now)
        if version is not None and (version in STAGES or version.isdigit()):
            self._doc = find_model_version(store, name, version)
            return self._doc
        self._doc = create_model_version(store, name, version, self.fields())
        return self._doc

    @property
    def id(self) -> str:
        return str(self._version_doc()["id"])

    @property
    def number(self) -> int:
        return int(self._version_doc()["number"])

    @property
    def model_version(self) -> str:
        return str(self._version_doc()["name"])

    @property
    def stage(self) -> str | None:
        stage = self._version_doc()["stage"]
        return None if stage is None else str(stage)

    @property
    def run_metadata(self) -> dict[str, Any]:
        from dagwell.artifact_store.registry import read_metadata

        return read_metadata(self._artifacts(), "model", self.id)

    # -- what it holds ---------------------------------------------------------------------
    def _links_here(
        self, doc: dict[str, Any], cached: set[tuple[str, str, str]], linked: set[str]
    ) -> bool:
        """Produced for this model version, taken from the cache by a step run for it, or
        linked to it by ``link_artifact_to_model``."""
        if doc.get("id") in linked:
            return True
        model = doc.get("model") or {}
        if model.get("name") == self.name and model.get("number") == self._version_doc()["number"]:
            return True
        producer = doc.get("producer") or {}
        return (producer.get("run_id"), producer.get("step"), producer.get("output")) in cached

    def _linked(self) -> set[str]:
        from dagwell.artifact_store.registry import model_links

        return model_links(self._artifacts(), self.name, int(self._version_doc()["number"]))

    def link_artifact(self, artifact_version: ArtifactVersion) -> None:
        """Link an existing artifact version to this model version."""
        from dagwell.artifact_store.registry import link_to_model

        version_id = getattr(artifact_version, "id", None)
        if not version_id:
            raise TypeError(
                f"link_artifact_to_model takes an artifact version (Client()."
                f"get_artifact_version(...), save_artifact(...)), got {artifact_version!r}."
            )
        link_to_model(
            self._artifacts(), self.name, int(self._version_doc()["number"]), str(version_id)
        )

    def _cached(self, client: Any) -> set[tuple[str, str, str]]:
        from dagwell.engine import unnamed

        return unnamed.cached_for_model(client, self.name, self._version_doc()["number"])

    def _client(self) -> Any:
        # a reader of the home's run store, not api.client.Client: the Client's module
        # imports this one (through its ZenML responses)
        from dagwell.core.home import resolve_home
        from dagwell.engine.unnamed import StoreReader

        home = resolve_home(artifacts=str(self._artifacts().url))
        return StoreReader(home.store_url, self._artifacts)

    def get_artifact(self, name: str, version: str | None = None) -> Any:
        """The artifact ``name`` linked to this model version (its newest, or ``version``);
        inside a pipeline function ZenML's lazy artifact, looked up when the step starts."""
        return self._lazy(name, version) or self.find_artifact(name, version)

    def _lazy(self, name: str, version: str | None) -> LazyModelArtifact | None:
        from dagwell.api.tracing import current_trace

        if current_trace() is None:  # not inside a pipeline function
            return None
        model_version = None if self.version is None else str(self.version)
        return LazyModelArtifact(self.name, model_version, name, _text(version))

    def find_artifact(
        self, name: str, version: str | None = None, type: str | None = None
    ) -> ArtifactVersion | None:
        """The artifact ``name`` linked to this model version (its newest, or ``version``),
        of ZenML's artifact ``type`` when given ("ModelArtifact", "DataArtifact", ...)."""
        from dagwell.engine import unnamed

        kind = None if type is None else str(getattr(type, "value", type))
        client = self._client()
        cached, linked = self._cached(client), self._linked()
        found = [
            d
            for d in unnamed.versions(client, name)
            if self._links_here(d, cached, linked)
            and (version is None or d["version"] == str(version))
            and (kind is None or d.get("artifact_type", "DataArtifact") == kind)
        ]
        if not found:
            return None
        return ArtifactVersion.from_doc(found[-1], unnamed.loader_of(client, found[-1]))

    def linked_artifacts(self) -> list[ArtifactVersion]:
        """Every artifact version linked to this model version, oldest first."""
        from dagwell.engine import unnamed

        client = self._client()
        cached, linked = self._cached(client), self._linked()
        return [
            ArtifactVersion.from_doc(d, unnamed.loader_of(client, d))
            for name in unnamed.names(client)
            for d in unnamed.versions(client, name)
            if self._links_here(d, cached, linked)
        ]

    def load_artifact(self, name: str, version: str | None = None) -> Any:
        artifact = self.find_artifact(name, version)
        if artifact is None:
            raise KeyError(
                f"Model {self.name!r} version {self.model_version!r} has no artifact {name!r}."
            )
        return artifact.load()

    def get_model_artifact(self, name: str, version: str | None = None) -> Any:
        """ZenML's: only an artifact of type ModelArtifact (``ArtifactConfig(artifact_type=
        ArtifactType.MODEL)``/``is_model_artifact=True``, or its materializer's type); in a
        pipeline function a lazy artifact, which ZenML resolves by name alone."""
        return self._lazy(name, version) or self.find_artifact(name, version, "ModelArtifact")

    def get_data_artifact(self, name: str, version: str | None = None) -> Any:
        return self._lazy(name, version) or self.find_artifact(name, version, "DataArtifact")

    def get_deployment_artifact(self, name: str, version: str | None = None) -> Any:
        return self._lazy(name, version) or self.find_artifact(name, version, "ServiceArtifact")

    def set_stage(self, stage: str | ModelStages, force: bool = False) -> None:
        from dagwell.artifact_store.registry import set_stage

        text = str(getattr(stage, "value", stage))
        if text not in ("none", "staging", "production", "archived"):
            raise ValueError(
                f"Unknown model stage {text!r}; use ModelStages.STAGING, PRODUCTION, "
                "ARCHIVED or NONE."
            )
        set_stage(self._artifacts(), self.name, self.number, text, force)
        self._doc = None
        self.version = str(self.number)

    def log_metadata(self, metadata: dict[str, Any]) -> None:
        from dagwell.artifact_store.registry import add_metadata

        add_metadata(self._artifacts(), "model", self.id, metadata)


def _text(version: Any) -> str | None:
    return None if version is None else str(getattr(version, "value", version))
