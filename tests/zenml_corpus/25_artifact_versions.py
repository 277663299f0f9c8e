# docs: artifact versions through the Client: versions, metadata, types.
from typing_extensions import Annotated
from dagwell import ArtifactConfig, pipeline, step
from dagwell.client import Client
from dagwell.enums import ArtifactType


@step
def make_model(
    c: int,
) -> Annotated[
    dict, ArtifactConfig(name="my_model", artifact_type=ArtifactType.MODEL, run_metadata={"c": 1})
]:
    return {"c": c}


@pipeline(enable_cache=False)
def model_pipeline(c: int = 1):
    make_model(c)


if __name__ == "__main__":
    model_pipeline(c=1)
    model_pipeline(c=2)
    client = Client()
    latest = client.get_artifact_version("my_model")
    assert latest.version == "2" and latest.load() == {"c": 2}
    assert client.get_artifact_version("my_model", version="1").load() == {"c": 1}
    assert latest.run_metadata["c"] == 1
    assert latest.type == ArtifactType.MODEL
    versions = client.list_artifact_versions(name="my_model")
    assert [v.version for v in versions] == ["1", "2"]
