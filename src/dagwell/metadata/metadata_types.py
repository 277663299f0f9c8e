"""``dagwell.metadata.metadata_types``: ZenML's special metadata values. Plain ``str`` and
``int`` subclasses, as in ZenML, so ``log_metadata({"dashboard": Uri("https://...")})``
stores and reads back their value."""

from __future__ import annotations

from typing import Any


class Uri(str):
    """A URI or URL (ZenML shows it as a link)."""


class Path(str):
    """A file system path."""


class DType(str):
    """A data type's name."""


class StorageSize(int):
    """A size in bytes."""


MetadataType = Any

__all__ = ["DType", "MetadataType", "Path", "StorageSize", "Uri"]
