"""Hook callables (on_failure, on_retry, on_success) and how they are called.

Hooks run in the orchestrator, never in the attempt's process: an ``on_failure`` hook
fires even when the step's process was OOM-killed. A hook may take no argument or one:
ZenML's ``on_failure(exception)`` (a parameter annotated ``BaseException``, or named
``exception``/``exc``/``e``/``error`` outside on_retry) gets the step's exception, rebuilt
as its own type when that is a builtin, else as a :class:`StepException` carrying the type
name, message and traceback text; any other parameter gets the :class:`HookEvent`. While
a hook runs, ``get_step_context()`` answers for the step it is about. Its exceptions are
logged and never change the run's outcome.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dagwell.core.errors import DefinitionError
from dagwell.core.failures import Failure

log = logging.getLogger("dagwell.core.hooks")

Hook = Callable[..., Any]


@dataclass(frozen=True)
class HookEvent:
    run_id: str
    pipeline: str
    step: str | None  # invocation id; None for pipeline-level run events
    attempt: int | None
    failure: Failure | None
    retry_in: float | None = None  # seconds, for on_retry
    run_name: str | None = None
    params: dict[str, Any] = field(default_factory=dict)  # the step's parameters
    artifact_store: str = ""
    context: dict[str, Any] = field(default_factory=dict)  # the step's (get_step_context())


@dataclass(frozen=True)
class Hooks:
    on_failure: tuple[Hook, ...] = ()
    on_retry: tuple[Hook, ...] = ()
    on_success: tuple[Hook, ...] = ()


def check_hooks(owner: str, kind: str, value: Any) -> tuple[Hook, ...]:
    """Normalize a hook argument (None, a callable, or a list of callables)."""
    if value is None:
        return ()
    hooks: Sequence[Any] = value if isinstance(value, list | tuple) else [value]
    for hook in hooks:
        if not callable(hook):
            raise DefinitionError(
                f"{kind}= of {owner} must be a callable (or a list of them), got "
                f"{type(hook).__name__}."
            )
        try:
            params = inspect.signature(hook).parameters.values()
        except (TypeError, ValueError):
            continue
        required = [
            p
            for p in params
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        if len(required) > 1:
            raise DefinitionError(
                f"{kind} hook {getattr(hook, '__name__', hook)!r} of {owner} takes "
                f"{len(required)} arguments; a hook takes none or one (a HookEvent)."
            )
    return tuple(hooks)


class StepException(Exception):
    """A step's exception whose type cannot be rebuilt here: ``.type_name``, the message,
    and ``.traceback_text`` (the step's traceback, from its process)."""

    def __init__(self, type_name: str, message: str, traceback_text: str | None) -> None:
        super().__init__(message)
        self.type_name = type_name
        self.traceback_text = traceback_text

    def __repr__(self) -> str:
        return f"{self.type_name}({str(self)!r})"


_EXCEPTION_NAMES = ("exception", "exc", "e", "error", "err")


def rebuild_exception(failure: Failure | None) -> BaseException:
    """The step's exception from its recorded failure (see module docstring)."""
    import builtins

    if failure is None:
        return StepException("StepFailed", "the step failed", None)
    type_name = failure.reason or failure.kind.value
    message = failure.message
    lines = [line for line in (failure.traceback or "").splitlines() if line.strip()]
    if lines and lines[-1].startswith(f"{type_name}: "):
        message = lines[-1]  # the step's own words, without the engine's notes
    if message.startswith(f"{type_name}: "):
        message = message[len(type_name) + 2 :]
    cls = getattr(builtins, type_name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            error: BaseException = cls(message)
        except Exception:
            error = StepException(type_name, message, failure.traceback)
        else:
            error.__notes__ = [failure.traceback] if failure.traceback else []
            return error
    return StepException(type_name, message, failure.traceback)


def _argument(hook: Hook, event: HookEvent) -> tuple[Any, ...]:
    try:
        params = list(inspect.signature(hook).parameters.values())
    except (TypeError, ValueError):
        return (event,)
    if not params:
        return ()
    first = params[0]
    annotation = first.annotation
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    # By name only for failures (ZenML's on_failure); on_retry is dagwell's and gets events.
    named = first.name in _EXCEPTION_NAMES and event.retry_in is None
    wants_exception = named or text.endswith(("Exception", "Error"))
    if isinstance(annotation, type) and issubclass(annotation, BaseException):
        wants_exception = True
    if (isinstance(annotation, type) and issubclass(annotation, HookEvent)) or text == "HookEvent":
        wants_exception = False
    if wants_exception:
        return (rebuild_exception(event.failure),)
    return (event,)


def call_hooks(hooks: Sequence[Hook], event: HookEvent) -> None:
    from dagwell.core.context import StepInfo, in_step

    info = StepInfo(
        run_id=event.run_id,
        step_id=event.step or "",
        step_name=event.step or "",
        attempt=event.attempt or 0,
        params=dict(event.params),
        outputs=(),
        artifact_store=event.artifact_store,
        context={**event.context, "pipeline": event.pipeline, "run_name": event.run_name},
        in_hook=True,
    )
    for hook in hooks:
        try:
            with in_step(info):
                hook(*_argument(hook, event))
        except Exception:
            log.exception("hook %r raised; the run's outcome is unchanged", hook)
