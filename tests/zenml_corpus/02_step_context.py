# docs: fetch metadata within steps (StepContext).
from dagwell import get_step_context, pipeline, step


@step
def info_step() -> dict:
    context = get_step_context()
    info = {
        "step_name": context.step_run.name,
        "step_run_id": str(context.step_run.id),
        "pipeline_name": context.pipeline.name,
        "pipeline_run_id": str(context.pipeline_run.id),
        "run_name": context.pipeline_run.name,
    }
    uri = context.get_output_artifact_uri()
    assert uri
    return info


@pipeline
def context_pipeline():
    info_step()


if __name__ == "__main__":
    run = context_pipeline()
    info = run.steps["info_step"].output.load()
    assert info["pipeline_name"] == "context_pipeline"
    assert info["run_name"] == run.name
