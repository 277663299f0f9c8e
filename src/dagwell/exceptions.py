"""``dagwell.exceptions``: the errors ZenML code catches or raises (``zenml.exceptions``).

A ZenML name maps to the error dagwell raises in the same situation, so an ``except``
clause written for ZenML still fires: ``StepInterfaceError`` (a step's value does not fit
its annotation), ``StepContextError`` (the step context asked for what the step lacks),
``EntityExistsError`` (a model or model version created twice),
``ZenKeyError`` (``KeyError``, what the client raises for what does not exist, as ZenML's
``ZenKeyError`` is one), ``HookExecutionException`` (a pipeline's ``on_init`` raised) and
``ZenMLBaseException`` (the base of every error dagwell raises on purpose). Other ZenML
names say why dagwell has no such error.
"""

from __future__ import annotations

from typing import Any

from dagwell._zenml_names import lookup
from dagwell.core.errors import (
    DagwellError,
    EntityExistsError,
    StepContextError,
    StepInterfaceError,
)

ZenKeyError = KeyError
ZenMLBaseException = DagwellError

__all__ = [
    "EntityExistsError",
    "StepContextError",
    "StepInterfaceError",
    "ZenKeyError",
    "ZenMLBaseException",
]
_WHERE = {
    **dict.fromkeys(__all__, __name__),  # (for the list a missing name's error gives)
    "HookExecutionException": "dagwell.runtimes.lifecycle_hooks",
}


def __getattr__(name: str) -> Any:
    return lookup(__name__, _WHERE, name)


def __dir__() -> list[str]:
    return list(__all__)
