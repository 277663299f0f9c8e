"""``dagwell.hooks``: where ZenML's built-in hooks are (``zenml.hooks``).

dagwell has none of them: its alerters are given to the pipeline, and each failure, retry
and success reaches them without a hook. Importing one says so and what to use instead.
"""

from __future__ import annotations

from typing import Any

from dagwell._zenml_names import lookup

_WHERE: dict[str, str] = {}
__all__: list[str] = []


def __getattr__(name: str) -> Any:
    return lookup(__name__, _WHERE, name)


def __dir__() -> list[str]:
    return list(__all__)
