# docs: handle custom data types with a materializer.
import json
import os
from typing import Any, Type

from dagwell import pipeline, step
from dagwell.enums import ArtifactType
from dagwell.io import fileio
from dagwell.materializers.base_materializer import BaseMaterializer


class MyObj:
    def __init__(self, name: str):
        self.name = name


class MyMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (MyObj,)
    ASSOCIATED_ARTIFACT_TYPE = ArtifactType.DATA

    def load(self, data_type: Type[Any]) -> MyObj:
        with fileio.open(os.path.join(self.uri, "data.txt"), "r") as f:
            name = f.read()
        return MyObj(name=name)

    def save(self, my_obj: MyObj) -> None:
        with fileio.open(os.path.join(self.uri, "data.txt"), "w") as f:
            f.write(my_obj.name)


@step
def my_first_step() -> MyObj:
    return MyObj("my_object")


@step
def my_second_step(my_obj: MyObj) -> str:
    return my_obj.name


@pipeline
def first_pipeline():
    output_1 = my_first_step()
    my_second_step(output_1)


if __name__ == "__main__":
    run = first_pipeline()
    assert run.steps["my_second_step"].output.load() == "my_object"
    assert run.steps["my_first_step"].output.load().name == "my_object"
