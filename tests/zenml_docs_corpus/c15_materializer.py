# docs.zenml.io how-to/data-artifact-management/handle-data-artifacts/handle-custom-data-types
import os
from typing import Any, Type

from zenml import pipeline, step
from zenml.enums import ArtifactType
from zenml.io import fileio
from zenml.materializers.base_materializer import BaseMaterializer


class MyObj:
    def __init__(self, name: str):
        self.name = name


class MyMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (MyObj,)
    ASSOCIATED_ARTIFACT_TYPE = ArtifactType.DATA

    def load(self, data_type: Type[Any]) -> MyObj:
        """Read from artifact store."""
        with fileio.open(os.path.join(self.uri, "data.txt"), "r") as f:
            name = f.read()
        return MyObj(name=name)

    def save(self, my_obj: MyObj) -> None:
        """Write to artifact store."""
        with fileio.open(os.path.join(self.uri, "data.txt"), "w") as f:
            f.write(my_obj.name)


@step
def my_first_step() -> MyObj:
    """Step that returns an object of type MyObj."""
    return MyObj("my_object")


@step
def my_second_step(my_obj: MyObj) -> str:
    """Step that logs the input object and returns nothing."""
    return f"The following object was passed to this step: `{my_obj.name}`"


@pipeline
def first_pipeline():
    output_1 = my_first_step.configure(output_materializers=MyMaterializer)()
    my_second_step(output_1)


if __name__ == "__main__":
    run = first_pipeline()
    assert run.steps["my_second_step"].output.load().endswith("`my_object`")
    assert run.steps["my_first_step"].output.load().name == "my_object"
