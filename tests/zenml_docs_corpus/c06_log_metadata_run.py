# docs.zenml.io how-to/.../attach-metadata-to-a-run (from within a step: run_id_name_or_prefix inferred)
from zenml import get_step_context, log_metadata, pipeline, step
from zenml.client import Client


@step
def my_step() -> int:
    run = get_step_context().pipeline_run
    log_metadata(metadata={"run_note": "nightly"}, run_id_name_or_prefix=run.id)
    return 1


@pipeline
def run_metadata_pipeline():
    my_step()


if __name__ == "__main__":
    run_metadata_pipeline()
    run = Client().get_pipeline("run_metadata_pipeline").last_run
    run = Client().get_pipeline_run(run.id)
    assert run.run_metadata["run_note"] == "nightly"
