# docs.zenml.io (materializer picked by ASSOCIATED_TYPES, no output_materializers)
import json
import os
from typing import Any, Type

from zenml import pipeline, step
from zenml.enums import ArtifactType
from zenml.io import fileio
from zenml.materializers.base_materializer import BaseMaterializer


class Point:
    def __init__(self, x: int, y: int):
        self.x, self.y = x, y


class PointMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (Point,)
    ASSOCIATED_ARTIFACT_TYPE = ArtifactType.DATA

    def load(self, data_type: Type[Any]) -> Point:
        with fileio.open(os.path.join(self.uri, "point.json"), "r") as f:
            d = json.load(f)
        return data_type(d["x"], d["y"])

    def save(self, data: Point) -> None:
        with fileio.open(os.path.join(self.uri, "point.json"), "w") as f:
            json.dump({"x": data.x, "y": data.y}, f)


@step
def make() -> Point:
    return Point(3, 4)


@step
def norm(p: Point) -> float:
    return (p.x**2 + p.y**2) ** 0.5


@pipeline
def point_pipeline():
    norm(make())


if __name__ == "__main__":
    run = point_pipeline()
    assert run.steps["norm"].output.load() == 5.0
