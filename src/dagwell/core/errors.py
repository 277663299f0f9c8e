"""Every error dagwell raises on purpose, in one place.

Errors are split the way Kopf splits them: *permanent* ones (the input is wrong; retrying
the same call cannot help, the message names the fix) and *temporary* ones (a resource was
briefly unavailable; the caller may retry). Callers catch by that split, not by module.
"""

from __future__ import annotations

from typing import Any


class DagwellError(Exception):
    """Base class of every error dagwell raises on purpose."""


class PermanentError(DagwellError):
    """The input is wrong; retrying cannot help. The message names the fix."""


class TemporaryError(DagwellError):
    """Something was briefly unavailable; the same call may succeed later."""


class DefinitionError(PermanentError, ValueError):
    """A step or pipeline is defined or called wrongly (raised at definition/trace time)."""


class StepInterfaceError(PermanentError, TypeError):
    """A step was given, or returned, a value its annotations do not admit (ZenML's name)."""


class StepContextError(PermanentError, RuntimeError):
    """The step context was asked for what the step does not have: an output it does not
    declare, or a model none was given (ZenML's name; a RuntimeError as before)."""


class EntityExistsError(PermanentError, ValueError):
    """A model, model version or pipeline run of that name exists already (ZenML's name)."""


class NoRunsYet(PermanentError, KeyError, RuntimeError):
    """A pipeline has no runs (or none that completed) to give: ZenML raises RuntimeError
    there, and dagwell's KeyError of before still catches it."""

    def __str__(self) -> str:  # (not KeyError's quoted form)
        return str(self.args[0]) if self.args else ""


class ConfigError(PermanentError, ValueError):
    """A setting (memory string, retry policy, orchestrator option) is invalid."""


class IllegalTransition(PermanentError):
    """A status change that the transition table does not allow."""

    def __init__(self, what: str, current: str, new: str, allowed: Any) -> None:
        allowed_text = ", ".join(sorted(str(a) for a in allowed)) or "nothing (terminal)"
        super().__init__(
            f"Illegal {what} transition {current} -> {new}; from {current} only {allowed_text} "
            "is allowed. This is a bug in dagwell: please report it with the run id."
        )
        self.current = current
        self.new = new


class RunNotFound(PermanentError, KeyError):
    """No run with that id (or id prefix) exists in the store: a KeyError (a LookupError),
    as ZenML's client raises for a run it cannot find."""

    def __str__(self) -> str:  # (not KeyError's quoted form)
        return str(self.args[0]) if self.args else ""


class StoreError(DagwellError):
    """The run store failed."""


class StoreUnusable(StoreError, PermanentError):
    """The SQLite store's file cannot work as it is (damaged, not a database, not
    writable): its message names the file and the fix; no retry or traceback helps."""


class StoreNotWritable(StoreUnusable):
    """The SQLite store cannot be written (a read-only DAGWELL_HOME, missing permissions)."""


class StoreSchemaNewer(StoreError, PermanentError):
    """The run store was migrated by a newer dagwell than this one: upgrade dagwell."""


class RunTakenOver(StoreError):
    """Another orchestrator claimed the run (it took this one for dead): this one must stop
    its attempts and record nothing more."""


class StoreUnavailable(StoreError, TemporaryError):
    """The run store could not be reached or stayed locked past the retry bound."""


class ArtifactError(PermanentError):
    """An artifact could not be stored or loaded."""


class ModelStageTaken(ArtifactError, RuntimeError):
    """Another version of the model holds the stage asked for, and ``force`` was not given:
    a RuntimeError, as ZenML raises it."""


class ArtifactCorrupt(ArtifactError):
    """An artifact's bytes do not match the digest the store recorded for it."""


class UnsafeArtifact(ArtifactError):
    """Loading this artifact would run code dagwell cannot vouch for (e.g. a foreign pickle)."""
