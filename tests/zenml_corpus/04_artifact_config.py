# docs: ArtifactConfig with name, version and tags.
from typing_extensions import Annotated
from dagwell import ArtifactConfig, pipeline, step
from dagwell.client import Client


@step
def training_data_loader() -> Annotated[
    list, ArtifactConfig(name="iris_dataset", version="raw_2024", tags=["raw", "iris"])
]:
    return [[5.1, 3.5], [4.9, 3.0]]


@pipeline
def data_pipeline():
    training_data_loader()


if __name__ == "__main__":
    data_pipeline()
    artifact = Client().get_artifact_version("iris_dataset", "raw_2024")
    assert artifact.load() == [[5.1, 3.5], [4.9, 3.0]]
    assert {tag.name for tag in artifact.tags} == {"raw", "iris"}
