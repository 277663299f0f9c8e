# Shape of ZenML's docs "Materializers" > "Registering a Materializer Globally": a
# materializer registered for pandas DataFrames through materializer_registry replaces the
# default one for every step. Passes on ZenML 0.98.
import os
from typing import Any, Type

import pandas as pd

from dagwell import pipeline, step
from dagwell.materializers.base_materializer import BaseMaterializer
from dagwell.materializers.materializer_registry import materializer_registry


class JsonFrameMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (pd.DataFrame,)

    def load(self, data_type: Type[Any]) -> pd.DataFrame:
        return pd.read_json(os.path.join(self.uri, "frame.json"))

    def save(self, data: pd.DataFrame) -> None:
        data.to_json(os.path.join(self.uri, "frame.json"))


materializer_registry.register_and_overwrite_type(key=pd.DataFrame, type_=JsonFrameMaterializer)


@step
def frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2]})


@pipeline
def registry_pipeline():
    frame()


if __name__ == "__main__":
    output = registry_pipeline().steps["frame"].output
    assert list(output.load()["a"]) == [1, 2]
    assert "JsonFrameMaterializer" in str(output.materializer)
