# Shape of ZenML's docs "Model Control Plane" > "Models in the dashboard / fetching a run's
# model" and ZenML 0.98's PipelineRunResponse.model_version / StepRunResponse.model_version
# (models/v2/core/pipeline_run.py, step_run.py): a run of a pipeline with model= knows the
# model version it made, as ZenML's response (.name, .number, .model.name, .run_metadata);
# a step with a model of its own knows that one, a step without answers None (its context's
# model is the pipeline's all the same), and so does a run without a model.
# Before: 'PipelineRun' object has no attribute 'model_version'.
from typing_extensions import Annotated

from dagwell import Model, get_step_context, log_metadata, pipeline, step
from dagwell.client import Client


@step
def train() -> Annotated[int, "weights"]:
    log_metadata({"accuracy": 0.9}, infer_model=True)
    return 1


@step(model=Model(name="evaluator"))
def evaluate(weights: int) -> int:
    assert get_step_context().pipeline_run.model_version.model.name == "classifier"
    return weights


@step
def plain() -> int:
    return 0


@pipeline(model=Model(name="classifier"), enable_cache=False)
def training():
    evaluate(train())


@pipeline(enable_cache=False)
def no_model():
    plain()


if __name__ == "__main__":
    training()
    run = training()
    version = run.model_version
    assert (version.model.name, version.number, version.name) == ("classifier", 2, "2")
    assert version.run_metadata["accuracy"] == 0.9
    fetched = Client().get_pipeline_run(run.id)
    assert fetched.model_version.id == Client().get_model_version("classifier", 2).id
    assert fetched.steps["train"].model_version is None  # (no model of its own)
    assert fetched.steps["evaluate"].model_version.model.name == "evaluator"
    assert no_model().model_version is None
