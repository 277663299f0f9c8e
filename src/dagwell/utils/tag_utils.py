"""``dagwell.utils.tag_utils``: ZenML's module path for ``Tag``, ``add_tags`` and
``remove_tags``."""

from __future__ import annotations

from dagwell.api.artifacts import add_tags, remove_tags
from dagwell.api.tags import Tag

__all__ = ["Tag", "add_tags", "remove_tags"]
