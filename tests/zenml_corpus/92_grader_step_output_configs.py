# A grader that checks how each step's outputs were configured from the finished run
# (ZenML 0.98's step_run.config.outputs: each output's materializer_source, a tuple of
# Sources, and the ArtifactConfig it was annotated with, None for a bare output), e.g.
# that the model output was stored by the project's own materializer. Passes on ZenML 0.98.
import json
from typing import Annotated, Any, Tuple, Type

from dagwell import ArtifactConfig, pipeline, step
from dagwell.client import Client
from dagwell.enums import ArtifactType
from dagwell.materializers.base_materializer import BaseMaterializer

class Weights:
    def __init__(self, values: list) -> None:
        self.values = values

class WeightsMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (Weights,)
    ASSOCIATED_ARTIFACT_TYPE = ArtifactType.MODEL

    def load(self, data_type: Type[Any]) -> Weights:
        with self.artifact_store.open(self.uri + "/w.json", "r") as f:
            return Weights(json.load(f))

    def save(self, data: Weights) -> None:
        with self.artifact_store.open(self.uri + "/w.json", "w") as f:
            json.dump(data.values, f)

@step(output_materializers={"weights": WeightsMaterializer})
def train() -> Tuple[
    Annotated[Weights, ArtifactConfig(name="weights", version="v1", tags=["candidate"])],
    Annotated[int, "epochs"],
    dict,
]:
    return Weights([0.5]), 3, {"loss": 0.1}

@pipeline(enable_cache=False)
def training():
    train()

if __name__ == "__main__":
    training()
    outputs = Client().get_pipeline("training").last_run.steps["train"].config.outputs
    assert sorted(outputs) == ["epochs", "output_2", "weights"], sorted(outputs)
    (source,) = outputs["weights"].materializer_source
    assert source.attribute == "WeightsMaterializer", source
    assert [s.attribute for s in outputs["epochs"].materializer_source] == ["BuiltInMaterializer"]
    assert [s.attribute for s in outputs["output_2"].materializer_source] == [
        "BuiltInContainerMaterializer"
    ]
    config = outputs["weights"].artifact_config
    assert (config.name, config.version, config.tags) == ("weights", "v1", ["candidate"])
    assert outputs["epochs"].artifact_config.name == "epochs"
    assert outputs["output_2"].artifact_config is None
