"""The read models of a run: PipelineRun, StepRun and Attempt, as DESIGN.md names them.

They are plain frozen data built from store rows (see :mod:`dagwell.store.views`), so the
engine, the client, the CLI and the dashboard all read the same shapes. Nothing here
writes a status; loading an output goes through the small ``ArtifactLoader`` protocol so
these modules stay free of I/O. This module is their one face; each lives in a module of
its own: artifact versions (:mod:`~dagwell.core.artifact_views`), what a run or step was
configured with (:mod:`~dagwell.core.step_config`), attempts and exception info
(:mod:`~dagwell.core.attempt_views`), step runs (:mod:`~dagwell.core.step_run`), runs
(:mod:`~dagwell.core.run_views`) and the error of a failed run
(:mod:`~dagwell.core.run_errors`).
"""

from dagwell.core.artifact_views import (
    Artifact,
    ArtifactLoader,
    ArtifactSaveType,
    ArtifactVersion,
    ClientLazyVersion,
    LazyModelArtifact,
    StepRunInput,
    StepRunInputArtifactType,
    Tag,
    UnmaterializedArtifact,
    to_datetime,
)
from dagwell.core.attempt_views import Attempt, ExceptionInfo, exception_info_of
from dagwell.core.run_errors import RunFailedError
from dagwell.core.run_views import PipelineName, PipelineRun, RunResponseMetadata, RunTotals
from dagwell.core.step_config import SettingsView, StepConfig, make_config
from dagwell.core.step_run import InputSpec, PlanSource, StepRun, StepSpecView

__all__ = [
    "Artifact",
    "ArtifactLoader",
    "ArtifactSaveType",
    "ArtifactVersion",
    "Attempt",
    "ClientLazyVersion",
    "ExceptionInfo",
    "InputSpec",
    "LazyModelArtifact",
    "PipelineName",
    "PipelineRun",
    "PlanSource",
    "RunFailedError",
    "RunResponseMetadata",
    "RunTotals",
    "SettingsView",
    "StepConfig",
    "StepRun",
    "StepRunInput",
    "StepRunInputArtifactType",
    "StepSpecView",
    "Tag",
    "UnmaterializedArtifact",
    "exception_info_of",
    "make_config",
    "to_datetime",
]
