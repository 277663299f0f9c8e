"""ZenML's PipelineRunResponse: a recorded run with its steps, its totals and the
pipeline it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dagwell.core.artifact_views import ArtifactLoader, ArtifactVersion, Tag
from dagwell.core.attempt_views import ExceptionInfo
from dagwell.core.failures import FailureKind
from dagwell.core.response_fields import RunFields
from dagwell.core.statuses import RunStatus, StepStatus
from dagwell.core.step_config import StepConfig, make_config
from dagwell.core.step_run import PlanSource, StepRun


class PipelineName(str):
    """The run's pipeline: a string that also answers ZenML's ``run.pipeline.name`` and
    ``.id`` and, for a run read through a Client, ZenML's PipelineResponse attributes
    (``.runs``, ``.get_runs()``, ``.num_runs``, ``.last_run``, ...) from the view the Client
    attaches."""

    view: Any = None  # set by the Client that read the run (dagwell.api.zenml_client)

    @property
    def name(self) -> str:
        return str(self)

    @property
    def id(self) -> str:
        """ZenML's ``run.pipeline.id``: a pipeline is known by its name here."""
        return str(self)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (PipelineName, (str(self),))  # the Client's view stays in this process

    def __getattr__(self, attr: str) -> Any:
        if not attr.startswith("_") and self.view is not None and hasattr(self.view, attr):
            return getattr(self.view, attr)
        raise AttributeError(
            f"run.pipeline has no {attr!r}"
            + ("" if self.view is not None else " (read the run through Client() for .runs)")
        )


@dataclass(frozen=True)
class RunTotals:
    """Counts over all of a run's steps and attempts: what a one-line summary needs, also
    when only a page of the steps was read (``runs show`` of a 100,000-step run)."""

    steps: int
    step_counts: dict[str, int]
    oom_kills: int
    oom_survivors: int  # completed steps that had an OOM-killed attempt
    retries: int

    @classmethod
    def of(cls, steps: dict[str, StepRun]) -> RunTotals:
        counts: dict[str, int] = {}
        ooms = survivors = retries = 0
        for s in steps.values():
            counts[s.status.value] = counts.get(s.status.value, 0) + 1
            killed = sum(
                1 for a in s.attempts if a.failure and a.failure.kind is FailureKind.OOM_KILLED
            )
            ooms += killed
            survivors += bool(killed and s.status is StepStatus.COMPLETED)
            retries += max(0, len(s.attempts) - 1)
        return cls(len(steps), counts, ooms, survivors, retries)


@dataclass(frozen=True)
class RunResponseMetadata:
    """ZenML's ``run.metadata`` (PipelineRunResponseMetadata): an object, not a dict, with
    the run's ``run_metadata``, ``config``, ``start_time`` and ``end_time``."""

    run_metadata: dict[str, Any]
    config: StepConfig
    start_time: datetime | None
    end_time: datetime | None


@dataclass(frozen=True)
class PipelineRun(RunFields):
    id: str
    name: str
    pipeline: str
    status: RunStatus
    status_rule: str | None
    steps: dict[str, StepRun]
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    heartbeat_at: datetime | None
    params: dict[str, Any]
    orchestrator: dict[str, Any]
    orphaned: bool
    stop_requested: bool
    # Set when ``steps`` holds only a page (or none) of the run's steps: the whole run's counts.
    totals: RunTotals | None = None
    steps_offset: int = 0  # the position of the first step in ``steps``
    _loader: ArtifactLoader | None = field(default=None, repr=False, compare=False)
    _plan: PlanSource = field(default_factory=PlanSource, repr=False, compare=False)

    @property
    def run_metadata(self) -> dict[str, Any]:
        return {} if self._loader is None else self._loader.metadata("run", self.id)

    @property
    def tags(self) -> list[Tag]:
        """ZenML's ``run.tags``: its pipeline's, and those added to it since, as recorded
        now (read anew each time; none for a run read without a store)."""
        found = self._plan.find_tags
        return [] if found is None else [Tag.of(t) for t in found(self.id)]

    @property
    def created(self) -> datetime:
        return self.created_at

    @property
    def config(self) -> StepConfig:
        return make_config(self.pipeline, self.params, self._plan.run_config())

    @property
    def artifact_versions(self) -> list[ArtifactVersion]:
        """ZenML's ``run.artifact_versions``: every output of the run's steps, the ones
        cached steps reused included (see :attr:`produced_artifact_versions`)."""
        return [v for s in self.steps.values() for vs in s.outputs.values() for v in vs]

    @property
    def produced_artifact_versions(self) -> list[ArtifactVersion]:
        """The outputs this run made itself: those of its steps that were not cached."""
        return [
            v
            for s in self.steps.values()
            if s.cached_from is None
            for vs in s.outputs.values()
            for v in vs
        ]

    @property
    def model_version(self) -> Any:
        """ZenML's ``run.model_version``: the pipeline's model version, None without one."""
        return self._plan.model_version(self._plan.run_config().get("model"))

    @property
    def metadata(self) -> RunResponseMetadata:
        return RunResponseMetadata(self.run_metadata, self.config, self.started_at, self.ended_at)

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.ended_at or datetime.now(tz=UTC)
        return (end - self.started_at).total_seconds()

    @property
    def exception_info(self) -> ExceptionInfo | None:
        """ZenML's run-level exception (its orchestrator's): None, as for a run whose steps
        failed; each failed step has its own ``exception_info``."""
        return None

    def get_hydrated_version(self) -> PipelineRun:
        """ZenML's: the run read again from the store (its status and steps as they are
        now, as ZenML's refreshed response), or itself when it was read without one."""
        if self._loader is None:
            return self
        run: PipelineRun = self._loader.run(self.id)
        if isinstance(self.pipeline, PipelineName) and isinstance(run.pipeline, PipelineName):
            run.pipeline.view = self.pipeline.view  # (what the Client that read it attached)
        if run._plan.find_model is None:
            run._plan.find_model = self._plan.find_model
        return run

    @property
    def display_status(self) -> str:
        return "orphaned" if self.orphaned else self.status.value

    def all_totals(self) -> RunTotals:
        """The whole run's counts, whether ``steps`` is whole or a page."""
        return self.totals if self.totals is not None else RunTotals.of(self.steps)

    def summary(self) -> str:
        """One line: "completed: 10 steps, 7 OOM kills survived, 7 retries"."""
        totals = self.all_totals()
        parts = [f"{totals.steps} steps"]
        if self.status is not RunStatus.COMPLETED:
            parts.append(", ".join(f"{n} {k}" for k, n in totals.step_counts.items()))
        if totals.oom_kills:
            survived = totals.oom_survivors
            parts.append(
                f"{totals.oom_kills} OOM kills"
                + (f" ({survived} steps survived them)" if survived else "")
            )
        parts.append(f"{totals.retries} retries")
        return f"{self.display_status}: " + ", ".join(parts)
