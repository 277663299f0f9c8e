# docs.zenml.io how-to/data-artifact-management/handle-data-artifacts/artifacts-naming
from typing_extensions import Annotated

from zenml import ArtifactConfig, pipeline, step
from zenml.client import Client


@step
def extract_data(source: str) -> Annotated[str, ArtifactConfig(name="data_{date}_{time}")]:
    return source


@step
def extract_named(source: str) -> Annotated[str, ArtifactConfig(name="{stage}_dataset")]:
    return source


@pipeline
def extraction_pipeline():
    extract_data(source="s3")
    extract_named.with_options(substitutions={"stage": "train"})(source="gcs")


if __name__ == "__main__":
    extraction_pipeline()
    assert Client().get_artifact_version("train_dataset").load() == "gcs"
