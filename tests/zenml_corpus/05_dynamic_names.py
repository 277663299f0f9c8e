# docs: dynamic artifact names with placeholders and substitutions.
from typing_extensions import Annotated
from dagwell import ArtifactConfig, pipeline, step
from dagwell.client import Client


@step(substitutions={"custom_placeholder": "resolution"})
def extract_data_source() -> Annotated[
    str, ArtifactConfig(name="data_{custom_placeholder}_{date}")
]:
    return "some data"


@pipeline
def extraction_pipeline():
    extract_data_source()


if __name__ == "__main__":
    extraction_pipeline()
    names = [a.name for a in Client().list_artifact_versions()]
    assert any(n.startswith("data_resolution_") for n in names), names
