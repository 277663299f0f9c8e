# docs.zenml.io how-to/.../attach-metadata-to-an-artifact (infer_artifact inside a step)
from typing import Annotated

from zenml import log_metadata, pipeline, step
from zenml.client import Client


@step
def process_data(n: int) -> Annotated[list, "processed_data"]:
    processed = list(range(n))
    log_metadata(
        metadata={"row_count": len(processed), "kind": "range"},
        infer_artifact=True,
    )
    return processed


@pipeline
def artifact_metadata_pipeline():
    process_data(5)


if __name__ == "__main__":
    artifact_metadata_pipeline()
    artifact = Client().get_artifact_version("processed_data")
    print(artifact.run_metadata)
    assert artifact.run_metadata["row_count"] == 5
    assert artifact.load() == [0, 1, 2, 3, 4]
