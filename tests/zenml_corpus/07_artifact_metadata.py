# docs: attach metadata to an output artifact from inside the step. Passes on ZenML 0.98.
from typing_extensions import Annotated
from dagwell import get_step_context, log_metadata, pipeline, step
from dagwell.client import Client


@step
def process_data(rows: int = 5) -> Annotated[list, "processed_data"]:
    data = list(range(rows))
    log_metadata(metadata={"row_count": len(data)}, infer_artifact=True)
    get_step_context().add_output_metadata(
        metadata={"schema": "ints"}, output_name="processed_data"
    )
    return data


@pipeline
def processing_pipeline():
    process_data()


if __name__ == "__main__":
    processing_pipeline()
    artifact = Client().get_artifact_version("processed_data")
    metadata = artifact.run_metadata  # (with ZenML's base metadata: storage_size, ...)
    assert metadata["row_count"] == 5 and metadata["schema"] == "ints", metadata
    assert metadata["storage_size"] > 0, metadata
