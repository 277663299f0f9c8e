# docs.zenml.io how-to/data-artifact-management (ArtifactConfig: name, tags, version)
from typing_extensions import Annotated

from zenml import ArtifactConfig, pipeline, step
from zenml.client import Client


@step
def training_data_loader() -> Annotated[
    list, ArtifactConfig(name="training_set", tags=["raw", "v2"], run_metadata={"rows": 3})
]:
    return [1, 2, 3]


@pipeline
def config_pipeline():
    training_data_loader()


if __name__ == "__main__":
    config_pipeline()
    art = Client().get_artifact_version("training_set")
    assert art.load() == [1, 2, 3]
    assert "raw" in [t.name for t in art.tags]
    assert art.run_metadata["rows"] == 3
