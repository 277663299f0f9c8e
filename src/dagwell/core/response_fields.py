"""ZenML response fields that dagwell's read models answer without a column of their own.

ZenML code and graders read ``run.user.name``, ``run.orchestrator_run_id``,
``run.in_progress``, ``step.version``, ``step.is_retriable``, ``step.substitutions``,
``artifact.visualizations``, the response parts (``run.body.status``), or call
``artifact.visualize()``. Each is derived here from what
dagwell records (its one user, the run's own id, the attempts and retry policy), as mixins
of :mod:`dagwell.core.records`' frozen classes, so that module does not grow further.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class UserView:
    """ZenML's UserResponse as its local default store shows it: one user, ``default``.
    dagwell has no users; everything a home records is this one's."""

    name: str = "default"
    id: str = "default"
    full_name: str = ""
    email: str | None = None
    active: bool = True
    is_admin: bool = True
    is_service_account: bool = False


DEFAULT_USER = UserView()


class ExecutionFields:
    """What ZenML's run and step responses both answer: ``start_time``, ``end_time``
    (dagwell's ``started_at``/``ended_at``) and ``stack``."""

    started_at: datetime | None
    ended_at: datetime | None
    _plan: Any

    @property
    def stack(self) -> Any:
        """ZenML's ``run.stack``: dagwell's one stack, its artifact store (named
        ``default``, as ZenML's local stack); None for a run read without a Client."""
        found = self._plan.find_stack
        return None if found is None else found()

    @property
    def start_time(self) -> datetime | None:
        return self.started_at

    @property
    def end_time(self) -> datetime | None:
        return self.ended_at


class ResponseParts:
    """ZenML's responses keep their fields in a body, metadata and resources part, each
    read through the response too (``run.status`` is ``run.get_body().status``), and code
    reads either way (``run.body.status``, ``step.get_metadata().config``,
    ``version.resources.artifact``). dagwell's read models hold every field themselves,
    so each part is the model itself."""

    @property
    def body(self) -> Any:
        return self

    def get_body(self) -> Any:
        return self

    def get_metadata(self) -> Any:
        return self

    @property
    def resources(self) -> Any:
        return self

    def get_resources(self) -> Any:
        return self


class RunFields(ExecutionFields, ResponseParts):
    """``PipelineRun``'s ZenML fields derived from its status, id and orchestrator."""

    id: str
    status: Any
    orchestrator: dict[str, Any]
    _plan: Any

    @property
    def user(self) -> UserView:
        return DEFAULT_USER

    @property
    def orchestrator_run_id(self) -> str:
        """What the orchestrator knows the run by: its Kubernetes job for a run in the
        cluster, else the run's id (dagwell's local orchestrator keeps no other)."""
        return str(self.orchestrator.get("job") or self.id)

    @property
    def in_progress(self) -> bool:
        return not self.status.is_finished

    @property
    def index(self) -> int | None:
        """Its number among its pipeline's runs, 1 for the first (None for a run read
        without a Client)."""
        found = self._plan.find_index
        return None if found is None else int(found())


class StepFields(ExecutionFields, ResponseParts):
    """``StepRun``'s ZenML fields derived from its attempts and recorded plan. ZenML keeps
    one step run per attempt, numbered by ``version``; dagwell's step run is the last of
    them, so its version is its attempt count and it was retriable when retries were left
    before that attempt."""

    attempts: list[Any]
    name: str
    _plan: Any

    @property
    def user(self) -> UserView:
        return DEFAULT_USER

    @property
    def metadata(self) -> Any:  # (a hydrated response's metadata part: see ResponseParts)
        return self

    @property
    def version(self) -> int:
        return max(1, len(self.attempts))

    @property
    def is_retriable(self) -> bool:
        retry = self._plan._step(self.name).get("retry") or {}
        return self.version - 1 < int(retry.get("max_retries") or 0)

    @property
    def substitutions(self) -> dict[str, str]:
        return dict(self._plan.step_config(self.name).get("substitutions") or {})


class ArtifactFields(ResponseParts):
    """``ArtifactVersion``'s ZenML fields: its user, and visualizations, which dagwell
    never stores (``dagwell ui`` previews values itself)."""

    @property
    def metadata(self) -> Any:  # (a hydrated response's metadata part: see ResponseParts)
        return self

    @property
    def user(self) -> UserView:
        return DEFAULT_USER

    @property
    def artifact_store_id(self) -> str:
        """The one artifact store of a home (``Client().active_stack.artifact_store.id``)."""
        return "default"

    @property
    def visualizations(self) -> list[Any]:
        return []

    def visualize(self, title: str | None = None) -> None:
        """ZenML's: shows the stored visualizations in a notebook, of which dagwell has
        none, so there it shows nothing; elsewhere it raises, as ZenML does."""
        if "ipykernel" not in sys.modules:
            raise RuntimeError(
                "The `output.visualize()` method is only available in Jupyter notebooks. "
                "dagwell stores no visualizations: open `dagwell ui` to see a preview of "
                "this artifact's value, or call `.load()` to read it."
            )
