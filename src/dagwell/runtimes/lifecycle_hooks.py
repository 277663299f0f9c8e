"""ZenML 0.98's lifecycle hooks that run in the step's own process, around its body.

``on_start`` (a step's, else its pipeline's) runs before the body and ``on_end`` after it
whatever its outcome, given the step's exception or None if it takes an argument; their
errors are logged, never the step's (ZenML's ``run_lifecycle_hook``). A pipeline's
``on_init(**on_init_kwargs)`` runs before the body too and what it returns is the step's
``get_step_context().pipeline_state``; if it raises, the step fails with a
``HookExecutionException``. Its ``on_cleanup`` runs once the body is over, errors logged.
Every dagwell attempt is a process of its own, so these run once per attempt, as ZenML
runs them at step level for orchestrators whose steps have their own environments (its
local orchestrator shares one process and runs ``on_init`` once per run instead). The
hooks reach the attempt as locators in its step context (``lifecycle_hooks``).
"""

from __future__ import annotations

import inspect
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dagwell.core.context import StepInfo
from dagwell.core.errors import DagwellError
from dagwell.core.plan import Locator

log = logging.getLogger("dagwell.hooks")


class HookExecutionException(DagwellError):
    """ZenML's: the pipeline's ``on_init`` hook raised (its error is the cause)."""


def _load(doc: dict[str, Any]) -> Callable[..., Any]:
    """The hook: the live one when this attempt was forked from the process that defined
    it (its script's ``__main__``, whose top level must not run again), else found as a
    step function is (imported, or its file loaded)."""
    from dagwell.runtimes.locator import resolve_function

    locator = Locator.from_json(doc["locator"])
    found: Any = sys.modules.get(locator.module)
    if found is not None and getattr(found, "__file__", None) == locator.file:
        for part in locator.qualname.split("."):
            found = getattr(found, part, None)
        if callable(found):
            return found  # type: ignore[no-any-return]
    hook: Callable[..., Any] = resolve_function(locator)
    return hook


def _leading(func: Callable[..., Any], offered: tuple[Any, ...]) -> tuple[Any, ...]:
    """As many of ``offered`` as ``func`` takes positionally (ZenML's optional hook args)."""
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return offered
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return offered
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return offered[: len(positional)]


def _fire(kind: str, doc: dict[str, Any] | None, offered: tuple[Any, ...] = ()) -> None:
    if not doc:
        return
    try:
        func = _load(doc)
        func(*_leading(func, offered))
    except Exception as error:  # (ZenML: a lifecycle hook's error is logged, not raised)
        log.error("Failed to run `%s` hook %s: %s", kind, doc["locator"].get("qualname"), error)


@contextmanager
def around_the_step(info: StepInfo) -> Iterator[None]:
    hooks: dict[str, Any] = info.context.get("lifecycle_hooks") or {}
    if not hooks:
        yield
        return
    _fire("on_start", hooks.get("start"))
    try:
        try:
            init = hooks.get("init")
            if init:
                try:
                    info.pipeline_state = _load(init)(**(init.get("kwargs") or {}))
                except Exception as error:
                    raise HookExecutionException(
                        f"Failed to execute init hook for pipeline {info.pipeline}: {error}"
                    ) from error
            yield
        except BaseException as error:
            _fire("on_end", hooks.get("end"), (error,))
            raise
        _fire("on_end", hooks.get("end"), (None,))
    finally:
        _fire("on_cleanup", hooks.get("cleanup"))
