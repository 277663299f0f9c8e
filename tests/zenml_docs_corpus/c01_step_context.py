# docs.zenml.io how-to/track-metrics-metadata/fetch-metadata-within-steps
from zenml import step, pipeline, get_step_context


@step
def my_step() -> str:
    step_context = get_step_context()
    pipeline_name = step_context.pipeline.name
    run_name = step_context.pipeline_run.name
    step_name = step_context.step_run.name
    print(pipeline_name, run_name, step_name)
    uri = step_context.get_output_artifact_uri()
    print(uri)
    return f"{pipeline_name}/{step_name}"


@pipeline
def context_pipeline():
    my_step()


if __name__ == "__main__":
    run = context_pipeline()
    assert run.steps["my_step"].output.load() == "context_pipeline/my_step"
