"""``dagwell.utils``: ZenML's ``zenml.utils`` path, for the helpers user code imports."""

from __future__ import annotations

from typing import Any

from dagwell._zenml_names import lookup


def __getattr__(name: str) -> Any:
    # ``from dagwell.utils import io_utils`` imports the module; a ZenML module dagwell
    # lacks (``docker_utils``) says what to do instead, not a bare "cannot import name"
    value = lookup(__name__, {}, name)
    globals()[name] = value
    return value
