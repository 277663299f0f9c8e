"""The error a pipeline call raises for a run that did not complete, and, under
FAIL_FAST, the failed step's own exception class it also takes (as ZenML re-raises it).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from dagwell.core.errors import DagwellError
from dagwell.core.failures import FailureKind
from dagwell.core.run_views import PipelineRun
from dagwell.core.statuses import StepStatus
from dagwell.core.step_run import StepRun


class RunFailedError(DagwellError, RuntimeError):
    """A pipeline run ended failed or cancelled. ``.run`` holds the recorded run. A
    ``RuntimeError`` too, as ZenML's local orchestrator raises for a failed run, so ZenML
    code's ``except RuntimeError`` around a pipeline call still catches it."""

    def __init__(self, message: str, run: PipelineRun) -> None:
        super().__init__(message)
        self.run = run

    @classmethod
    def of(
        cls, message: str, run: PipelineRun, state: dict[str, Any] | None = None
    ) -> RunFailedError:
        """The error for ``run``. Under ZenML's FAIL_FAST its local orchestrator raises the
        failed step's own exception, so ``except ValueError`` (or ``except MyError``)
        around the call catches it; that exception stayed in the attempt's process, so the
        error is also of its class, and named as it: a built-in, or a class of a module
        this process has imported already (the pipeline's script, the user's package:
        nothing is imported for it), with the attributes the exception had (``state``, see
        core.exception_state). Otherwise it stays a RunFailedError only, still a
        RuntimeError."""
        kind = (
            _step_error_class(run) if run._plan.plan().get("failure_mode") == "fail_fast" else None
        )
        if kind is None:
            return cls(message, run)
        try:
            named = {"__module__": kind.__module__, "__qualname__": kind.__qualname__}
            both = type(kind.__name__, (cls, kind), {"__str__": Exception.__str__, **named})
            error: RunFailedError = both(message, run)
        except Exception:  # (a class whose layout cannot be combined, that cannot be made
            return cls(message, run)  # from a message alone, whose __init_subclass__ raises)
        error.__dict__.update({k: v for k, v in (state or {}).items() if k != "run"})
        return error


def first_failed_step(run: PipelineRun) -> StepRun | None:
    """The step whose failure failed the run: the first to end failed, with an attempt."""
    failed = [s for s in run.steps.values() if s.status is StepStatus.FAILED and s.attempts]
    failed.sort(key=lambda s: s.ended_at or datetime.max.replace(tzinfo=UTC))
    return failed[0] if failed else None


def _step_error_class(run: PipelineRun) -> type[Exception] | None:
    """The class of the exception the run's first failed step raised: one its traceback
    names in a module already imported here, else the built-in of its name."""
    import builtins

    step = first_failed_step(run)
    if step is not None:
        failure = step.attempts[-1].failure
        if failure is None or failure.kind is not FailureKind.USER_ERROR:
            return None
        found = None  # (the traceback's own class first: a user's may be named like a built-in)
        if failure.reason and failure.traceback:
            found = _imported_class(failure.reason, failure.traceback)
        if found is None:
            found = getattr(builtins, failure.reason or "", None)
        if isinstance(found, type) and issubclass(found, Exception):
            return None if issubclass(RunFailedError, found) else found
    return None


def _imported_class(name: str, traceback: str) -> Any:
    """The class named ``name`` that ``traceback`` raised, looked up in the modules already
    imported (``sys.modules``; importing one could run anything). Python heads the raised
    exception with its qualified name (``pkg.mod.Outer.MyError: ...``, a bare ``MyError``
    for ``__main__``); the last such header that names a class here is taken."""
    import sys

    headers = re.findall(rf"^((?:[\w]+\.)*{re.escape(name)})(?::|$)", traceback, re.MULTILINE)
    for header in reversed(headers):  # (a line of a message may look like one: go on)
        parts = header.split(".")
        for cut in range(len(parts) - 1, -1, -1):
            module = sys.modules.get(".".join(parts[:cut]) if cut else "__main__")
            found: Any = module
            for attribute in parts[cut:]:
                found = getattr(found, attribute, None)
            if module is not None and isinstance(found, type) and found.__name__ == name:
                return found
    return None
