"""``dagwell.utils.source_utils``: ZenML's ``load``, ``resolve`` and ``get_source_root``,
for code that records where a class or function lives and imports it again elsewhere."""

from __future__ import annotations

from dagwell.artifact_store.script_classes import load_source as load
from dagwell.artifact_store.script_classes import resolve_source as resolve
from dagwell.artifact_store.script_classes import source_root as get_source_root

__all__ = ["get_source_root", "load", "resolve"]
