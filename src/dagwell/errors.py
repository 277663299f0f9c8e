"""``dagwell.errors``: every error dagwell raises, split into permanent and temporary."""

from dagwell.core.errors import (
    ArtifactCorrupt,
    ArtifactError,
    ConfigError,
    DagwellError,
    DefinitionError,
    EntityExistsError,
    IllegalTransition,
    NoRunsYet,
    PermanentError,
    RunNotFound,
    StepContextError,
    StepInterfaceError,
    StoreError,
    StoreUnavailable,
    TemporaryError,
    UnsafeArtifact,
)
from dagwell.core.records import RunFailedError

__all__ = [
    "ArtifactCorrupt",
    "ArtifactError",
    "ConfigError",
    "DagwellError",
    "DefinitionError",
    "EntityExistsError",
    "IllegalTransition",
    "NoRunsYet",
    "PermanentError",
    "RunFailedError",
    "RunNotFound",
    "StepContextError",
    "StepInterfaceError",
    "StoreError",
    "StoreUnavailable",
    "TemporaryError",
    "UnsafeArtifact",
]
