# docs.zenml.io how-to/pipeline-development/build-pipelines/fetching-pipelines
from typing_extensions import Annotated

from zenml import pipeline, step
from zenml.client import Client


@step
def trainer() -> Annotated[float, "accuracy"]:
    return 0.9


@pipeline
def first_pipeline():
    trainer()


if __name__ == "__main__":
    first_pipeline()
    pipeline_model = Client().get_pipeline("first_pipeline")
    last_run = pipeline_model.last_run
    runs = pipeline_model.runs
    assert len(runs) >= 1
    step = last_run.steps["trainer"]
    output = step.outputs["accuracy"][0]
    assert output.load() == 0.9
    assert step.status == "completed"
    pipeline_runs = Client().list_pipeline_runs(pipeline_name="first_pipeline")
    assert len(pipeline_runs) >= 1
    run = Client().get_pipeline_run(last_run.name)
    assert run.pipeline.name == "first_pipeline"
