"""``dagwell.integrations``: ZenML's integration paths dagwell mirrors."""

from __future__ import annotations

from dagwell._zenml_names import lazy_face

_WHERE: dict[str, str] = {}
__all__ = []


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
