"""``dagwell.materializers.materializer_registry``: ZenML's registry of which materializer
stores which type, for code that sets one globally
(``materializer_registry.register_and_overwrite_type(key=pd.DataFrame, type_=...)``)."""

from __future__ import annotations

from typing import Any

from dagwell.artifact_store import custom


class MaterializerRegistry:
    """Types given a ``BaseMaterializer`` explicitly; they win over ASSOCIATED_TYPES and
    over dagwell's own formats, as in ZenML."""

    def register_materializer_type(self, key: type, type_: type[custom.BaseMaterializer]) -> None:
        """Give ``key`` a materializer unless it has one already."""
        custom._BY_TYPE.setdefault(key, type_)

    def register_and_overwrite_type(self, key: type, type_: type[custom.BaseMaterializer]) -> None:
        custom._BY_TYPE[key] = type_

    def is_registered(self, key: type) -> bool:
        return any(kind in custom._BY_TYPE for kind in key.__mro__)

    def __getitem__(self, key: type) -> Any:
        for kind in key.__mro__:
            if kind in custom._BY_TYPE:
                return custom._BY_TYPE[kind]
        raise KeyError(
            f"No materializer is registered for {key.__qualname__}; dagwell stores it with its "
            "own formats (JSON, numpy, parquet, a dataclass as JSON, else cloudpickle)."
        )


materializer_registry = MaterializerRegistry()

__all__ = ["MaterializerRegistry", "materializer_registry"]
