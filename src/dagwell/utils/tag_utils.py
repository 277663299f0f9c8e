"""``dagwell.utils.tag_utils``: ZenML's module path for ``add_tags`` and ``remove_tags``."""

from __future__ import annotations

from dagwell.api.artifacts import add_tags, remove_tags

__all__ = ["add_tags", "remove_tags"]
