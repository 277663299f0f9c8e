"""ZenML's ``Tag`` and what every ``tags=`` does with a mix of names and Tags.

ZenML 0.98 (zenml/utils/tag_utils.py) lets ``tags=`` hold strings or
``Tag(name, color, exclusive, cascade)``. dagwell keeps tags as names on artifact
versions and models; a pipeline's ``Tag(cascade=True)`` is put on every output of its
run's steps, as ZenML's step runner does. ``color`` is the dashboard's, which dagwell
has not; ``exclusive`` (only one entity of a kind carries the tag) needs tags kept as
entities of their own, which dagwell does not keep, so it is refused where a Tag is made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeAlias

from dagwell.core.errors import DefinitionError


@dataclass(frozen=True)
class Tag:
    """A tag: ``Tag(name="experiment", cascade=True)``; anywhere ``tags=`` takes a name."""

    name: str
    color: Any = None
    exclusive: bool | None = None
    cascade: bool | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise DefinitionError(f"Tag(name=...) takes a non-empty string, got {self.name!r}.")
        if self.exclusive:
            raise DefinitionError(
                f"Tag(name={self.name!r}, exclusive=True): dagwell keeps tags as names on "
                "artifact versions, not as entities of their own, so it cannot keep a tag "
                "on one version only. Mark the one version with a model stage "
                "(Model.set_stage) or give it a version name instead, and drop exclusive=."
            )


#: What a ``tags=`` takes: a name, a Tag, or a list of both.
Tags: TypeAlias = str | Tag | Iterable[str | Tag] | None


def _listed(tags: Tags) -> list[Any]:
    return [tags] if isinstance(tags, str | Tag) else list(tags or [])


def tag_names(tags: Tags, where: str) -> list[str]:
    """The names in ``tags`` (a name, a Tag or a list of both), each once, in order."""
    names = [t.name if isinstance(t, Tag) else t for t in _listed(tags)]
    if not all(isinstance(n, str) and n for n in names):
        raise TypeError(f"{where} takes tag names (strings) or Tag(name=...), got {tags!r}.")
    return list(dict.fromkeys(names))


def cascading(tags: Tags) -> list[str]:
    """The names of the ``Tag(cascade=True)`` among a pipeline's ``tags``."""
    return list(dict.fromkeys(t.name for t in _listed(tags) if isinstance(t, Tag) and t.cascade))


def refuse_cascade(tags: Tags, where: str) -> None:
    """ZenML's rule: a cascading tag belongs on a pipeline, nowhere else."""
    if any(isinstance(t, Tag) and t.cascade is not None for t in _listed(tags)):
        raise ValueError(
            f"{where}: cascading tags can only be used with the pipeline decorator "
            "(@pipeline(tags=[Tag(name=..., cascade=True)])); pass the name here."
        )
