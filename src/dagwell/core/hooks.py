"""Hook callables (on_failure, on_retry, on_success) and how they are called.

Hooks run in the orchestrator, never in the attempt's process: an ``on_failure`` hook
fires even when the step's process was OOM-killed. A hook may take no argument or one (a
:class:`HookEvent`). Its exceptions are logged and never change the run's outcome.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


def call_hooks(hooks: Sequence[Hook], event: HookEvent) -> None:
    for hook in hooks:
        try:
            try:
                wants_event = bool(inspect.signature(hook).parameters)
            except (TypeError, ValueError):
                wants_event = True
            hook(event) if wants_event else hook()
        except Exception:
            log.exception("hook %r raised; the run's outcome is unchanged", hook)
