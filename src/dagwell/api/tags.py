"""ZenML's ``Tag`` and what every ``tags=`` does with a mix of names and Tags.

ZenML 0.98 (zenml/utils/tag_utils.py) lets ``tags=`` hold strings or
``Tag(name, color, exclusive, cascade)``. Runs and pipelines keep their tags in the run
store (dagwell.store.tags), where an exclusive tag is on one run of each pipeline;
artifact versions and models keep names in the artifact registry; a pipeline's
``Tag(cascade=True)`` is put on every output of its run's steps, as ZenML's step runner
does. ``color`` is kept where the tag is made (the run store; see core.tag_colors).
``exclusive`` on an artifact
version is for tagging it once it exists (dagwell.api.version_tags); on a model, or a step's
output as it is made, it is refused where it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeAlias

from dagwell.core.errors import DefinitionError
from dagwell.core.tag_colors import tag_color

#: The longest tag name (the run store's column: dagwell.store.tags.NAME_MAX).
NAME_MAX = 200


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
        if len(self.name) > NAME_MAX:
            raise DefinitionError(
                f"Tag(name={self.name[:40]!r}...) is {len(self.name)} characters long; a "
                f"tag name has at most {NAME_MAX}."
            )
        object.__setattr__(self, "color", tag_color(self.color, f"Tag({self.name!r}, color=...)"))


#: What a ``tags=`` takes: a name, a Tag, or a list of both.
Tags: TypeAlias = str | Tag | Iterable[str | Tag] | None


def _listed(tags: Tags) -> list[Any]:
    return [tags] if isinstance(tags, str | Tag) else list(tags or [])


def _names(tags: Tags, where: str) -> list[str]:
    names = [t.name if isinstance(t, Tag) else t for t in _listed(tags)]
    if not all(isinstance(n, str) and n for n in names):
        raise TypeError(f"{where} takes tag names (strings) or Tag(name=...), got {tags!r}.")
    long = [n for n in names if len(n) > NAME_MAX]
    if long:
        raise ValueError(f"{where}: a tag name has at most {NAME_MAX} characters: {long[0]!r}.")
    return list(dict.fromkeys(names))


def tag_names(tags: Tags, where: str) -> list[str]:
    """The names in ``tags`` (a name, a Tag or a list of both), each once, in order, for
    an artifact version or a model: an exclusive Tag is refused, naming what can be one."""
    names = _names(tags, where)
    exclusive = [t.name for t in _listed(tags) if isinstance(t, Tag) and t.exclusive]
    if exclusive:
        raise ValueError(
            f"{where}: Tag(name={exclusive[0]!r}, exclusive=True) cannot be given here: "
            "dagwell keeps an exclusive tag on one run of each pipeline (@pipeline(tags=...), "
            "add_tags(run=...)) or on one version of each artifact, tagged once it exists "
            f"(add_tags(tags=[Tag(name={exclusive[0]!r}, exclusive=True)], "
            "artifact_version_id=...)), not on models or a step's outputs as it makes them. "
            "Tag the version after the step, or drop exclusive=."
        )
    return names


def tag_specs(tags: Tags, where: str) -> list[dict[str, Any]]:
    """``tags`` as a run's are recorded: ``{"name", "exclusive", "color"}`` each (exclusive
    and color None for a plain name: the tag as it is), each name once, in order."""
    names = _names(tags, where)
    given: dict[str, bool | None] = {}
    colors: dict[str, str | None] = {}
    for tag in _listed(tags):
        if isinstance(tag, Tag):  # (a Tag says exclusive or not, as ZenML's bool() reads it)
            given.setdefault(tag.name, bool(tag.exclusive))
            colors.setdefault(tag.name, tag.color)
    return [{"name": n, "exclusive": given.get(n), "color": colors.get(n)} for n in names]


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


def refuse_mismatch(name: str, given: bool | None, recorded: bool | None) -> None:
    """ZenML's check at the call (client.py ``attach_tag``): a Tag whose ``exclusive=`` is
    not the existing tag's is refused, with ZenML's words and how to go on."""
    if given is None or recorded is None or given == recorded:
        return
    raise ValueError(
        f"The tag `{name}` is {'an exclusive' if recorded else 'a non-exclusive'} tag. "
        "Please update it before attaching it to a resource "
        f"(Client().update_tag(exclusive=...)), or give it by name: tags=[{name!r}]."
    )
