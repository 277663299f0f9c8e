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
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from dagwell.api.list_filters import PAGE_SIZE_DEFAULT, ListQuery, Page, parse, select, test
from dagwell.core.errors import EntityExistsError, NoRunsYet, RunNotFound
from dagwell.core.records import (
    ArtifactVersion,
    ClientLazyVersion,
    PipelineRun,
    StepRun,
    Tag,
    to_datetime,
)
from dagwell.core.response_fields import DEFAULT_USER, ResponseParts, UserView
from dagwell.core.statuses import RunStatus

if TYPE_CHECKING:
    from dagwell.api.model_responses import ModelResponse, ModelVersionResponse
    from dagwell.api.tags import Tags

_NOT_IN_DAGWELL = {
    "get_stack": "dagwell has no stacks: choose where steps run with orchestrator=",
    "list_stacks": "dagwell has no stacks: choose where steps run with orchestrator=",
    "activate_stack": "dagwell has no stacks: choose where steps run with orchestrator=",
    "get_secret": "dagwell has no secret store: read secrets from the environment",
    "create_secret": "dagwell has no secret store: read secrets from the environment",
    "list_secrets": "dagwell has no secret store: read secrets from the environment",
    "get_stack_component": "dagwell has no stack components",
    "list_stack_components": "dagwell has no stack components",
    "active_project": "dagwell has no projects: one home (DAGWELL_HOME) is one workspace",
    "get_service_connector": "dagwell has no service connectors: use a kubeconfig",
    "create_run_template": "dagwell has no run templates: call the pipeline",
    "trigger_pipeline": "dagwell has no server-side triggers: call the pipeline or use Schedule",
    **dict.fromkeys(
        (
            "delete_pipeline_run",
            "delete_pipeline",
            "delete_artifact_version",
            "delete_artifact",
            "delete_model",
            "delete_model_version",
            "prune_artifacts",
        ),
        "dagwell keeps every run and artifact it recorded (nothing references a deleted one "
        "by mistake); start from a new DAGWELL_HOME for a clean slate",
    ),
}


@dataclass
class PipelineView(ResponseParts):
    """ZenML's PipelineResponse: ``.name``, ``.runs`` (its 20 newest, newest first, as
    ZenML's: each is read with its steps), ``.get_runs(...)`` (with list_pipeline_runs'
    filters, sort and page), ``.num_runs``, ``.last_run``, ``.last_successful_run``,
    ``.latest_run_id``, ``.latest_run_status``."""

    name: str
    _client: Any = field(repr=False)

    @property
    def id(self) -> str:
        return self.name

    @property
    def runs(self) -> list[PipelineRun]:
        return self.get_runs()

    def get_runs(self, **filters: Any) -> list[PipelineRun]:
        """ZenML's: this pipeline's runs as ``Client().list_pipeline_runs(pipeline_id=...,
        **filters)`` lists them (one page, newest first unless ``sort_by`` says otherwise)."""
        page: Page = self._client.list_pipeline_runs(pipeline_id=self.id, **filters)
        return list(page.items)

    @property
    def tags(self) -> list[Tag]:
        """ZenML's ``pipeline.tags``: those put on the pipeline (``add_tags(pipeline=)``),
        not its runs' (``@pipeline(tags=...)`` tags each run)."""
        found = self._client.store().tags_of("pipeline", [self.name])[self.name]
        return [Tag.of(t) for t in found]

    @property
    def num_runs(self) -> int:
        """How many runs the pipeline has (all of them, not a page)."""
        return int(self._client.store().count_runs({"pipeline": self.name}))

    @property
    def latest_run_id(self) -> str | None:
        runs: list[PipelineRun] = self._client.list_runs(limit=1, pipeline=self.name)
        return runs[0].id if runs else None

    @property
    def latest_run_status(self) -> RunStatus | None:
        runs: list[PipelineRun] = self._client.list_runs(limit=1, pipeline=self.name)
        return runs[0].status if runs else None

    def get_hydrated_version(self) -> PipelineView:
        """ZenML's: the pipeline read again (every property here reads the store anew)."""
        return PipelineView(self.name, self._client)

    @property
    def last_run(self) -> PipelineRun:
        runs: list[PipelineRun] = self._client.list_runs(limit=1, pipeline=self.name)
        if not runs:
            raise NoRunsYet(f"Pipeline {self.name!r} has no runs.")
        return runs[0]

    @property
    def last_successful_run(self) -> PipelineRun:
        runs: list[PipelineRun] = self._client.list_runs(
            limit=1, pipeline=self.name, status="completed"
        )
        if not runs:
            raise NoRunsYet(f"Pipeline {self.name!r} has no completed runs.")
        return runs[0]


@dataclass(frozen=True)
class ArtifactStoreView:
    """ZenML's ``active_stack.artifact_store``: where this home keeps its artifacts."""

    path: str
    name: str = "default"
    id: str = "default"  # (what every artifact version's artifact_store_id names)

    @property
    def flavor(self) -> str:
        return "local" if "://" not in self.path else self.path.split("://", 1)[0]


@dataclass
class ArtifactView:
    """ZenML's ArtifactResponse (``Client().get_artifact(name)``): ``.name``, ``.id``,
    ``.versions`` (version name -> artifact version), ``.latest_version_name``,
    ``.latest_version_id``, ``.tags`` (its own), ``.has_custom_name``."""

    name: str
    _client: Any = field(repr=False)

    @property
    def id(self) -> str:
        return self.name

    def _versions(self) -> list[ArtifactVersion]:
        """Every version, oldest first (not a page of them)."""
        from dagwell.engine import unnamed

        client = self._client
        docs = unnamed.versions(client, self.name)
        return [ArtifactVersion.from_doc(d, unnamed.loader_of(client, d)) for d in docs]

    @property
    def versions(self) -> dict[str, ArtifactVersion]:
        return {str(v.version): v for v in self._versions()}

    def get_hydrated_version(self) -> ArtifactView:
        """ZenML's: the artifact read again (every property here reads the registry anew)."""
        return ArtifactView(self.name, self._client)

    @property
    def has_custom_name(self) -> bool:
        """Whether a version of it was named by the user (``Annotated``/``ArtifactConfig(
        name=)``, ``save_artifact``), even with the name an unnamed output would get; it
        stays True once so (ZenML's rule). A version an older dagwell recorded, which does
        not say, counts as named."""
        from dagwell.artifact_store import registry

        docs = registry.artifact_versions(self._client.artifacts(), self.name)
        return any(d.get("has_custom_name", True) for d in docs)

    @property
    def latest_version_name(self) -> str | None:
        versions = self._versions()
        return str(versions[-1].version) if versions else None

    @property
    def latest_version_id(self) -> str | None:
        versions = self._versions()
        return versions[-1].id if versions else None

    @property
    def tags(self) -> list[Tag]:
        """ZenML's: the artifact's own tags (``add_tags(artifact=...)``), not its
        versions' (each version's ``.tags`` has those)."""
        found = self._client.store().tags_of("artifact", [self.name])[self.name]
        return [Tag.of(t) for t in found]


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
    id: str = "default"

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
    store: Callable[[], Any]
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
    def active_user(self) -> UserView:
        """ZenML's local default user, ``default``: the one who recorded everything here."""
        return DEFAULT_USER

    def get_user(self, name_id_or_prefix: str | UUID = "default", **_: Any) -> UserView:
        """ZenML's local store has one user, ``default``: it, or a KeyError for another."""
        if str(name_id_or_prefix) not in (DEFAULT_USER.name, DEFAULT_USER.id):
            raise KeyError(
                f"No user {str(name_id_or_prefix)!r}: a dagwell home has one user, 'default'."
            )
        return DEFAULT_USER

    def list_users(
        self, sort_by: str = "created", page: int = 1, size: int = PAGE_SIZE_DEFAULT,
        **filters: Any,
    ) -> Page:  # fmt: skip
        fields = {"name": lambda u: u.name, "id": lambda u: u.id, "active": lambda u: u.active}
        return select([DEFAULT_USER], "list_users", fields, filters, sort_by="name", page=page,
                      size=size)  # fmt: skip

    @property
    def active_stack_model(self) -> StackView:
        """ZenML's StackResponse of the active stack: dagwell's one (see active_stack)."""
        return self.active_stack

    @property
    def active_stack(self) -> StackView:
        """The artifact store as ZenML's stack shows it; a local one exists once asked for,
        as ZenML's does, so files can be written under its ``path`` at once."""
        url = str(self.artifacts().url)
        if "://" not in url:
            os.makedirs(url, exist_ok=True)
        return StackView(ArtifactStoreView(url))

    # -- runs and pipelines --------------------------------------------------------------
    def get_pipeline_run(
        self, name_id_or_prefix: str | UUID, allow_name_prefix_match: bool = True, **_: Any
    ) -> PipelineRun:
        """A run by id, run name, ``latest``, or, as ZenML finds one, the only run whose id
        or (unless ``allow_name_prefix_match=False``) name starts so: ``"training"`` is the
        run ``training-2024...`` when no other run's name or id starts with it. No such run,
        or several, raise a KeyError naming them."""
        ref = str(name_id_or_prefix)
        try:
            return self.get_run(ref)
        except RunNotFound as error:
            if not allow_name_prefix_match or not ref.strip():
                raise
            rows = self.store().list_runs(limit=None, step_counts=False)
            found = [r for r in rows if r["id"].startswith(ref) or r["name"].startswith(ref)]
            if not found:
                raise
            if len(found) > 1:
                shown = ", ".join(f"{r['name']} ({r['id']})" for r in found[:5])
                raise RunNotFound(
                    f"{len(found)} runs have a name or id that starts with {ref!r}: {shown}"
                    f"{', ...' if len(found) > 5 else ''}; give the run's id or whole name."
                ) from error
            return self.get_run(found[0]["id"])

    def list_pipeline_runs(
        self, sort_by: str = "desc:created", page: int = 1, size: int = PAGE_SIZE_DEFAULT,
        **filters: Any,
    ) -> Page:  # fmt: skip
        """ZenML's filters (``name``, ``status``, ``pipeline_name``, ``created``, ``start_time``,
        ``in_progress``, ... with ``"op:value"`` forms), ``sort_by``, ``page`` and ``size``
        (20 unless told, as in ZenML). Plain equalities on the name, status, id or pipeline,
        the sort by creation and the page are the store's query; other filters and sorts
        are applied to the runs the store's equalities let through."""
        query = parse("list_pipeline_runs", _RUN_FIELDS, filters, sort_by=sort_by, page=page,
                      size=size, unsupported=_RUN_UNSUPPORTED)  # fmt: skip
        store = self.store()
        where, complete = query.split(_RUN_COLUMNS)
        if complete and query.sort_key == "created":
            rows = store.list_runs(
                limit=query.size, offset=query.offset, where=where,
                oldest_first=not query.descending, step_counts=False,
            )  # fmt: skip
            total = store.count_runs(where)
        else:
            every = store.list_runs(limit=None, where=where, step_counts=False)
            if "tags" in query.fields:  # (one more query: the tags of the runs let through)
                found = store.tags_of("run", [r["id"] for r in every])
                for row in every:
                    row["tags"] = [t["name"] for t in found[row["id"]]]
            chosen = query.apply(every, _RUN_FIELDS)
            rows, total = list(chosen), chosen.total
        runs = (self.get_run(row["id"]) for row in rows)  # (with their steps)
        return Page(runs, total=total, index=page, max_size=size)

    def get_pipeline(self, name_id_or_prefix: str, **_: Any) -> PipelineView:
        name = str(name_id_or_prefix)
        if not self.list_runs(limit=1, pipeline=name):
            raise KeyError(f"No pipeline named {name!r} has run in this home.")
        return PipelineView(name, self)

    def list_pipelines(
        self, sort_by: str = "created", page: int = 1, size: int = PAGE_SIZE_DEFAULT,
        **filters: Any,
    ) -> Page:  # fmt: skip
        """Pipelines that ran here, with ZenML's filters (``name``, ``created``: of its first
        run, ``updated``: of its newest, ``latest_run_status``), sort and page; one store
        query, however many runs."""
        found = {p["name"]: p for p in self.store().pipelines()}
        fields: dict[str, Callable[[Any], Any]] = {
            "name": lambda v: v.name,
            "id": lambda v: v.name,
            "created": lambda v: to_datetime(found[v.name]["created_at"]),
            "updated": lambda v: to_datetime(found[v.name]["updated_at"]),
            "latest_run_status": lambda v: found[v.name]["latest_status"],
            "tags": lambda v: [t["name"] for t in tagged[v.name]],
        }
        wanted = "tags" in filters or str(sort_by).endswith("tags")
        tagged = self.store().tags_of("pipeline", found) if wanted else {}
        return select(
            [PipelineView(name, self) for name in found],
            "list_pipelines",
            fields,
            filters,
            sort_by=sort_by,
            page=page,
            size=size,
            unsupported={
                "latest_run_user": "runs here record no user (dagwell has no user accounts)",
            },
        )

    # -- tags ----------------------------------------------------------------------------
    def create_tag(self, name: str, exclusive: bool = False, color: Any = None) -> Any:
        """ZenML's: a new tag (exclusive: on one run of each pipeline at a time)."""
        from dagwell.api import tag_client

        return tag_client.create_tag(self, name, exclusive, color)

    def get_tag(self, tag_name_or_id: str, **_: Any) -> Any:
        from dagwell.api import tag_client

        return tag_client.get_tag(self, tag_name_or_id)

    def update_tag(
        self, tag_name_or_id: str, name: str | None = None, exclusive: bool | None = None,
        color: Any = None,
    ) -> Any:  # fmt: skip
        """ZenML's: make a tag exclusive (checked: on runs only, one of each pipeline) or
        not; it is not renamed here."""
        from dagwell.api import tag_client

        return tag_client.update_tag(self, tag_name_or_id, name, exclusive, color)

    def list_tags(
        self, sort_by: str = "created", page: int = 1, size: int = PAGE_SIZE_DEFAULT,
        **filters: Any,
    ) -> Page:  # fmt: skip
        """ZenML's filters (``name``, ``exclusive``, ``created``), sort and page."""
        from dagwell.api import tag_client

        return tag_client.list_tags(self, sort_by, page, size, **filters)

    def update_artifact(
        self, name_id_or_prefix: str, new_name: str | None = None,
        add_tags: list[str] | None = None, remove_tags: list[str] | None = None,
        has_custom_name: bool | None = None, **_: Any,
    ) -> ArtifactView:  # fmt: skip
        """ZenML's: the artifact's own tags added or removed (it is not renamed here)."""
        from dagwell.api import tag_client

        view: ArtifactView = tag_client.update_artifact(
            self, str(name_id_or_prefix), add_tags, remove_tags,
            new_name=new_name, has_custom_name=has_custom_name,
        )  # fmt: skip
        return view

    def update_artifact_version(
        self, name_id_or_prefix: str, version: str | None = None,
        add_tags: list[str] | None = None, remove_tags: list[str] | None = None, **_: Any,
    ) -> ArtifactVersion:  # fmt: skip
        """ZenML's: a version's tags added or removed (by name and version, else the
        newest; or its id)."""
        from dagwell.api import tag_client

        found: ArtifactVersion = tag_client.update_artifact_version(
            self, str(name_id_or_prefix), version, add_tags, remove_tags
        )
        return found

    # -- artifacts -----------------------------------------------------------------------
    def get_artifact_version(
        self, name_id_or_prefix: str | UUID, version: str | int | None = None, **_: Any
    ) -> ArtifactVersion:
        """The newest version of a named artifact, or the given ``version``; or the artifact
        version with this id (or id prefix), as ZenML's ``name_id_or_prefix`` allows."""
        from dagwell.api.tracing import current_trace
        from dagwell.core.context import current_step
        from dagwell.engine import unnamed

        client: Any = self
        doc = unnamed.get(client, str(name_id_or_prefix), version)
        loader = unnamed.loader_of(client, doc)
        if current_trace() is not None:  # in a pipeline function: a step's lazy input
            return ClientLazyVersion.from_doc(doc, loader)
        info = current_step()
        if info is not None and info.run_id:  # in a step: one of its inputs, as in ZenML
            from dagwell.artifact_store.registry import record_loaded

            record_loaded(self.artifacts(), info.run_id, info.step_id, doc)
        return ArtifactVersion.from_doc(doc, loader)

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

    def list_artifacts(
        self, sort_by: str = "created", page: int = 1, size: int = PAGE_SIZE_DEFAULT,
        **filters: Any,
    ) -> Page:  # fmt: skip
        from dagwell.engine import unnamed

        client: Any = self
        views = [ArtifactView(n, self) for n in unnamed.names(client)]
        fields: dict[str, Callable[[Any], Any]] = {
            "name": lambda v: v.name,
            "id": lambda v: v.id,
            "created": lambda v: min((a.created for a in v._versions() if a.created), default=None),
            "updated": lambda v: max((a.created for a in v._versions() if a.created), default=None),
            "has_custom_name": lambda v: v.has_custom_name,
            "tags": lambda v: [t.name for t in v.tags],
        }
        return select(
            views, "list_artifacts", fields, filters, sort_by=sort_by, page=page, size=size
        )

    def list_artifact_versions(
        self, sort_by: str = "created", page: int = 1, size: int = PAGE_SIZE_DEFAULT,
        **filters: Any,
    ) -> Page:  # fmt: skip
        """ZenML's filters (``name``/``artifact``, ``version``, ``version_number``, ``type``,
        ``data_type``, ``materializer``, ``uri``, ``created``, ``pipeline_run``, ``tags``),
        ``sort_by`` (``"desc:created"`` gives the newest first), ``page`` and ``size``. As
        in ZenML the first positional argument is ``sort_by``: a name goes in ``name=``."""
        from dagwell.engine import unnamed

        client: Any = self
        query = parse("list_artifact_versions", _VERSION_FIELDS, filters, sort_by=sort_by,
                      page=page, size=size, unsupported=_VERSION_UNSUPPORTED)  # fmt: skip
        found = [
            ArtifactVersion.from_doc(d, unnamed.loader_of(client, d))
            for n in _artifact_names(client, query)
            for d in unnamed.versions(client, n)
        ]
        return query.apply(found, _VERSION_FIELDS)

    # -- steps ---------------------------------------------------------------------------
    def get_run_step(self, step_run_id: str, hydrate: bool = True) -> StepRun:
        """A step run by its id (``<run id>/<step>``, as ``step.id`` gives it)."""
        run_id, _sep, step = str(step_run_id).partition("/")
        run = self.get_run(run_id)
        if step not in run.steps:
            raise KeyError(
                f"No step run {str(step_run_id)!r}: run {run.id} has steps "
                f"{', '.join(run.steps)}; a step run id is '<run id>/<step>'."
            )
        return run.steps[step]

    def update_step_run(self, step_run_id: str, cache_expires_at: Any = None) -> StepRun:
        """ZenML's: ``cache_expires_at=`` a time now or past stops the step run from
        serving later runs from the cache (the step runs again, and what it makes then is
        the cache); a step run that was itself a cache hit serves none. dagwell keeps no
        expiry times: a time still to come is refused, saying what to do instead."""
        step = self.get_run_step(step_run_id)
        if cache_expires_at is None:
            return step
        if not isinstance(cache_expires_at, datetime):
            raise TypeError(
                f"cache_expires_at= takes a datetime, got {type(cache_expires_at).__name__}."
            )
        when = cache_expires_at
        now = (
            datetime.now(UTC) if when.tzinfo is not None else datetime.now(UTC).replace(tzinfo=None)
        )  # (a naive time is UTC, as ZenML's store compares it)
        if when > now + timedelta(seconds=1):
            raise ValueError(
                f"update_step_run(cache_expires_at={when.isoformat()}) asks for a cache that "
                "expires later; dagwell keeps no expiry times. Call it when the step run should "
                "stop serving the cache, with cache_expires_at=datetime.now(timezone.utc), or "
                "give the step enable_cache=False."
            )
        self.store().expire_cache(step.run_id, step.name)
        return self.get_run_step(step_run_id)

    def list_run_steps(
        self, sort_by: str = "created", page: int = 1, size: int = PAGE_SIZE_DEFAULT,
        **filters: Any,
    ) -> Page:  # fmt: skip
        """Steps of one run (``pipeline_run_id=``) or of all, with ZenML's filters. Plain
        equalities on the run, name and status, the sort by start and the page are the
        store's query; only the runs of the listed steps are read. ``exclude_retried``
        asks for nothing here: a retry is an attempt of its step run, never a step run."""
        filters.pop("exclude_retried", None)
        query = parse("list_run_steps", _STEP_FIELDS, filters, sort_by=sort_by, page=page,
                      size=size, unsupported=_STEP_UNSUPPORTED)  # fmt: skip
        store = self.store()
        where, complete = query.split(_STEP_COLUMNS)
        if complete and query.sort_key in ("created", "start_time"):
            rows = store.list_steps(
                where=where, limit=query.size, offset=query.offset,
                newest_first=query.descending,
            )  # fmt: skip
            total = store.count_steps(where)
        else:  # (in pipeline order, run by run: how ties stay in the store's order too)
            every = sorted(
                store.list_steps(where=where), key=lambda r: (r["run_id"], r["position"])
            )
            chosen = query.apply(every, _STEP_FIELDS)
            rows, total = list(chosen), chosen.total
        runs = {i: self.get_run(i) for i in dict.fromkeys(r["run_id"] for r in rows)}
        steps = (runs[r["run_id"]].steps[r["step_id"]] for r in rows)  # (with inputs, outputs)
        return Page(steps, total=total, index=page, max_size=size)

    # -- models --------------------------------------------------------------------------
    def create_model(self, name: str, **fields: Any) -> ModelResponse:
        """A new model with ZenML's card fields (``license``, ``description``, ``audience``,
        ``use_cases``, ``limitations``, ``trade_offs``, ``ethics``, ``tags``); an existing
        name raises EntityExistsError, as in ZenML."""
        from dagwell.api.model_responses import ModelResponse
        from dagwell.artifact_store.registry import ensure_model, model_names

        known = {"license", "description", "audience", "use_cases", "limitations",
                 "trade_offs", "ethics", "tags", "save_models_to_registry"}  # fmt: skip
        unknown = sorted(set(fields) - known)
        if unknown:
            raise TypeError(
                f"create_model() got unexpected keyword argument(s) {', '.join(unknown)}; it "
                f"takes name and {', '.join(sorted(known))}."
            )
        store = self.artifacts()
        if str(name) in model_names(store):
            raise EntityExistsError(
                f"A model named {name!r} exists already in {store.url}; use "
                f"Client().get_model({name!r})."
            )
        fields.pop("save_models_to_registry", None)
        if "tags" in fields:
            from dagwell.api.tags import tag_names

            fields["tags"] = tag_names(fields["tags"], "create_model(tags=...)")
        return ModelResponse(ensure_model(store, str(name), fields), store)

    def list_models(
        self, sort_by: str = "created", page: int = 1, size: int = 50, **filters: Any
    ) -> Page:
        from dagwell.api.model_responses import ModelResponse
        from dagwell.artifact_store.registry import get_model, model_names

        store = self.artifacts()
        models = [ModelResponse(get_model(store, n), store) for n in model_names(store)]
        fields: dict[str, Callable[[Any], Any]] = {
            "name": lambda m: m.name,
            "id": lambda m: m.id,
            "created": lambda m: m._doc.get("created") or 0,
            "tags": lambda m: [t.name for t in m.tags],
        }
        return select(models, "list_models", fields, filters, sort_by=sort_by, page=page,
                      size=size)  # fmt: skip

    def create_model_version(
        self,
        model_name_or_id: str,
        name: str | None = None,
        description: str | None = None,
        tags: Tags = None,
    ) -> ModelVersionResponse:
        """A new version of an existing model (numbered; named ``name`` when given, which
        must be new, as in ZenML)."""
        from dagwell.api.model_responses import ModelVersionResponse
        from dagwell.artifact_store.registry import create_model_version, get_model, model_versions

        if name is not None and str(name).isnumeric():  # (ZenML's rule: numbers are numbers)
            raise ValueError(
                f"Can't create model version with custom numeric model version name {name!r}: "
                "a numeric version is the version's number. Name it e.g. 'v{name}', or "
                "leave name= out to get the next number."
            )
        store = self.artifacts()
        model = get_model(store, str(model_name_or_id))
        if name is not None and any(
            v["name"] == name for v in model_versions(store, model["name"])
        ):
            raise EntityExistsError(
                f"Model {model['name']!r} has a version named {name!r} already."
            )
        from dagwell.api.tags import tag_names

        fields = {"description": description, "tags": tag_names(tags, "tags=")}
        version = create_model_version(store, model["name"], name, fields)
        return ModelVersionResponse(model, version, store, self)

    def update_model(
        self,
        model_name_or_id: str | UUID,
        name: str | None = None,
        add_tags: list[str] | None = None,
        remove_tags: list[str] | None = None,
        save_models_to_registry: bool | None = None,
        **fields: Any,
    ) -> ModelResponse:
        """ZenML's: the card fields given (``license``, ``description``, ``audience``,
        ``use_cases``, ``limitations``, ``trade_offs``, ``ethics``) replace the model's, and
        ``add_tags``/``remove_tags`` change its tags. A model is known by its name here
        (its versions and artifacts are filed under it), so a new ``name=`` is refused."""
        from dagwell.api.model_responses import ModelResponse
        from dagwell.api.tags import tag_names
        from dagwell.artifact_store.registry import ensure_model

        model = self.get_model(str(model_name_or_id))
        if name is not None and name != model.name:
            raise ValueError(
                f"update_model(name={name!r}) is not offered: dagwell files a model's versions "
                f"and artifacts under its name {model.name!r}. Run the pipeline with "
                f"Model(name={name!r}) for a model of that name."
            )
        card = {"license", "description", "audience", "use_cases", "limitations",
                "trade_offs", "ethics", "project"}  # fmt: skip
        unknown = sorted(set(fields) - card)
        if unknown:
            raise TypeError(
                f"update_model() got unexpected keyword argument(s) {', '.join(unknown)}."
            )
        changes = {k: v for k, v in fields.items() if k != "project" and v is not None}
        if add_tags or remove_tags:
            removed = set(tag_names(remove_tags, "remove_tags="))
            tags = [t.name for t in model.tags if t.name not in removed]
            tags += [t for t in tag_names(add_tags, "add_tags=") if t not in tags]
            changes["tags"] = tags
        store = self.artifacts()
        return ModelResponse(ensure_model(store, model.name, changes), store)

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
            return ModelVersionResponse(hit[0], hit[1], store, self)
        if model_name_or_id is None:
            raise ValueError(
                "No model identifier provided and model version identifier "
                f"`{wanted}` is not a valid UUID."
            )
        name = str(model_name_or_id)
        version = find_model_version(store, name, wanted)
        return ModelVersionResponse(get_model(store, name), version, store, self)

    def update_model_version(
        self,
        model_name_or_id: str | UUID,
        version_name_or_id: str | int | UUID,
        stage: str | Any = None,
        force: bool = False,
        name: str | None = None,
        description: str | None = None,
        add_tags: list[str] | None = None,
        remove_tags: list[str] | None = None,
        **_: Any,
    ) -> ModelVersionResponse:
        """ZenML's: ``stage=`` moves the version there (a version holding that stage must
        be forced out, ``force=True``, and is archived, as ``Model(...).set_stage`` does),
        ``name=`` renames it (a name another version has is an EntityExistsError),
        ``description=`` replaces its description, ``add_tags=``/``remove_tags=`` change its
        tags; it returns the version as it is then."""
        from dagwell.api.tags import tag_names
        from dagwell.artifact_store.registry import edit_model_version, set_stage

        version = self._model_version(model_name_or_id, version_name_or_id)
        store = self.artifacts()
        text = None if stage is None else str(getattr(stage, "value", stage))
        if text is not None and text not in ("none", "staging", "production", "archived"):
            raise ValueError(
                f"Unknown model stage {text!r}; use ModelStages.STAGING, PRODUCTION, "
                "ARCHIVED or NONE."
            )
        if name is not None or description is not None or add_tags or remove_tags:
            edit_model_version(
                store,
                version.model.name,
                version.number,
                new_name=name,
                description=description,
                add_tags=tag_names(add_tags, "add_tags="),
                remove_tags=tag_names(remove_tags, "remove_tags="),
            )
        if text is not None:
            set_stage(store, version.model.name, version.number, text, force)
        return version.get_hydrated_version()

    def _model_version(self, model: str | UUID, version: str | int | UUID) -> ModelVersionResponse:
        """A version of ``model`` by its name, number, stage or id."""
        try:
            return self.get_model_version(str(model), version)
        except KeyError:
            found = self.get_model_version(None, str(version))
            if found.model.name != str(model) and found.model.id != str(model):
                raise
            return found

    def list_model_versions(
        self,
        model: Any = None,
        model_name_or_id: str | None = None,
        sort_by: str = "number",
        page: int = 1,
        size: int = 50,
        **filters: Any,
    ) -> Page:
        """A model's versions with ZenML's filters (``name``, ``number``, ``stage``, ``id``,
        ``created``, ``tags``), ``sort_by`` (by ``number`` unless told), page and size."""
        from dagwell.api.model_responses import ModelVersionResponse
        from dagwell.artifact_store.registry import get_model, model_versions

        which = model_name_or_id if model_name_or_id is not None else model
        if which is None:
            raise TypeError("list_model_versions() needs model_name_or_id= (the model's name).")
        store = self.artifacts()
        found = get_model(store, str(which))
        versions = [
            ModelVersionResponse(found, v, store, self)
            for v in model_versions(store, found["name"])
        ]
        fields = {
            "name": lambda v: v.name,
            "number": lambda v: v.number,
            "id": lambda v: v.id,
            "stage": lambda v: v.stage,
            "created": lambda v: v.created,
            "tags": lambda v: [t.name for t in v.tags],
        }
        return select(
            versions, "list_model_versions", fields, filters, sort_by=sort_by, page=page, size=size
        )

    def list_model_version_artifact_links(
        self,
        model_version_id: Any = None,
        sort_by: str = "created",
        page: int = 1,
        size: int = PAGE_SIZE_DEFAULT,
        **filters: Any,
    ) -> Page:
        """ZenML's links of a model version to its artifact versions (each with
        ``.artifact_version``), with its filters ``artifact_name``, ``artifact_version_id``
        and ``only_data_artifacts`` / ``only_model_artifacts`` / ``only_deployment_artifacts``."""
        from dagwell.api.model_responses import artifact_links

        if model_version_id is None:
            raise TypeError(
                "list_model_version_artifact_links() needs model_version_id= (the id of a "
                "model version: Client().get_model_version(name, version).id)."
            )
        links = artifact_links(self.get_model_version(None, model_version_id))
        kinds: dict[str, Callable[[str], bool]] = {
            "only_data_artifacts": lambda kind: kind not in ("ModelArtifact", "ServiceArtifact"),
            "only_model_artifacts": lambda kind: kind == "ModelArtifact",
            "only_deployment_artifacts": lambda kind: kind == "ServiceArtifact",
        }
        for flag, keep in kinds.items():
            if filters.pop(flag, None):
                links = [link for link in links if keep(link.artifact_version.artifact_type)]
        fields: dict[str, Callable[[Any], Any]] = {
            "artifact_name": lambda link: link.artifact_version.name,
            "artifact_version_id": lambda link: link.artifact_version.id,
            "created": lambda link: link.artifact_version.created,
        }
        return select(
            links,
            "list_model_version_artifact_links",
            fields,
            filters,
            sort_by=sort_by,
            page=page,
            size=size,
        )


#: ZenML's run filters, read from the store's run rows.
_RUN_FIELDS: dict[str, Callable[[Any], Any]] = {
    "id": lambda r: r["id"],
    "name": lambda r: r["name"],
    "status": lambda r: r["status"],
    **dict.fromkeys(("pipeline_name", "pipeline_id", "pipeline"), lambda r: r["pipeline"]),
    "created": lambda r: to_datetime(r["created_at"]),
    "start_time": lambda r: to_datetime(r["started_at"]),
    "end_time": lambda r: to_datetime(r["ended_at"]),
    "in_progress": lambda r: not RunStatus(r["status"]).is_finished,
    # (dagwell's one stack; the run's own id unless its orchestrator knew it by a job)
    **dict.fromkeys(("stack_id", "stack"), lambda r: StackView.id),
    "orchestrator_run_id": lambda r: (r.get("orchestrator") or {}).get("job") or r["id"],
    "tags": lambda r: r["tags"],  # (read only when a filter or the sort asks: see above)
}
#: ZenML's run filters that are the store's columns (a plain equality is its query).
_RUN_COLUMNS = {"id": "id", "name": "name", "status": "status", "pipeline_name": "pipeline",
                "pipeline_id": "pipeline", "pipeline": "pipeline"}  # fmt: skip
#: ZenML's step run filters, read from the store's step rows (one query lists them all).
_STEP_FIELDS: dict[str, Callable[[Any], Any]] = {
    "id": lambda r: f"{r['run_id']}/{r['step_id']}",
    "name": lambda r: r["step_id"],
    "status": lambda r: r["status"],
    "created": lambda r: to_datetime(r["started_at"]),
    "start_time": lambda r: to_datetime(r["started_at"]),
    "end_time": lambda r: to_datetime(r["ended_at"]),
    "pipeline_run_id": lambda r: r["run_id"],
}
_STEP_COLUMNS = {"name": "step_id", "status": "status", "pipeline_run_id": "run_id"}
_NOT_HERE = "dagwell has no {}"
_RUN_UNSUPPORTED = {
    key: _NOT_HERE.format(what)
    for key, what in {
        "stack_component": "stack components",
        "schedule_id": "schedule ids on runs",
        "build_id": "builds",
        "snapshot_id": "snapshots",
        "source_snapshot_id": "snapshots",
        "template_id": "run templates",
        "templatable": "run templates",
        "code_repository_id": "code repositories",
        "code_repository": "code repositories",
        "model_version_id": "model version ids on runs",
        "model": "model links on runs",
        "linked_to_model_version_id": "model version ids on runs",
        "run_metadata": "metadata filters",
        "index": "run indexes",
    }.items()
}
_ARTIFACT_NAMES = ("name", "artifact", "artifact_name")
_VERSION_FIELDS: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(_ARTIFACT_NAMES, lambda a: a.name),
    **dict.fromkeys(("tags", "tag"), lambda a: [t.name for t in a.tags]),
    "id": lambda a: a.id,
    "version": lambda a: a.version,
    "version_number": lambda a: int(a.version) if str(a.version).isdigit() else None,
    "created": lambda a: a.created,
    "type": lambda a: a.artifact_type,
    "data_type": lambda a: a.data_type,
    "materializer": lambda a: a.materializer,
    "uri": lambda a: a.uri,
    "pipeline_run": lambda a: a.producer.get("run_id"),
}
_VERSION_UNSUPPORTED = {
    "artifact_store_id": "artifact store ids",
    "model_version_id": "model version ids here",
    "model": "model filters here; use Client().get_model_version(...).get_artifact(name)",
    "only_unused": "usage tracking",
    "has_custom_name": "unnamed-artifact filters",
    "run_metadata": "metadata filters",
}
_VERSION_UNSUPPORTED = {k: _NOT_HERE.format(v) for k, v in _VERSION_UNSUPPORTED.items()}
#: ZenML's step run filters that dagwell has no data for (list_run_steps names why).
_STEP_UNSUPPORTED = {
    "cache_key": "ZenML cache keys (its own are computed otherwise); read a cached step's "
    "StepRun.cached_from",
    "cache_expires_at": "cache expiry; read StepRun.cached_from",
    "cache_expired": "cache expiry; read StepRun.cached_from",
    "code_hash": "code hashes on step runs",
    "snapshot_id": "snapshots",
    "original_step_run_id": "original step run ids; a cached step's StepRun.cached_from "
    "names the run whose outputs it reuses",
    "model_version_id": "model version ids on step runs",
    "model": "model links on step runs; use Client().get_model_version(...)",
    "run_metadata": "metadata filters; read StepRun.run_metadata",
    "version": "step run versions",
    "updated": "update times; filter by end_time",
}
_STEP_UNSUPPORTED = {k: _NOT_HERE.format(v) for k, v in _STEP_UNSUPPORTED.items()}


def _artifact_names(client: Any, query: ListQuery) -> list[str]:
    """The artifacts whose versions ``query`` may list: those its name filters let through
    (``name="x"`` reads x alone; ``name="startswith:x"`` the names that start so)."""
    from dagwell.engine import unnamed

    by_name = [c for c in query.conditions if c.field in _ARTIFACT_NAMES]
    if query.any_of or not by_name:
        return list(unnamed.names(client))
    exact = [c.value for c in by_name if c.op == "equals"]
    names = [str(getattr(exact[0], "value", exact[0]))] if exact else unnamed.names(client)
    return [n for n in names if all(test(n, c.op, c.value) for c in by_name)]
