# Imports from ZenML 0.98's own module paths, as older projects and helper libraries
# write them: a pipeline factory typed with zenml.pipelines.pipeline_definition.Pipeline
# and zenml.steps.base_step.BaseStep, get_step_context from zenml.steps.step_context,
# get_pipeline_context from zenml.pipelines.pipeline_context, the decorators from their
# modules, Schedule from zenml.pipelines and log_model_metadata from zenml.model.utils.
# Before: ImportError (dagwell did not mirror these modules). Passes on ZenML 0.98.
from dagwell.model.model import Model
from dagwell.model.utils import link_artifact_to_model, log_model_metadata
from dagwell.pipelines import Schedule
from dagwell.pipelines.pipeline_context import get_pipeline_context
from dagwell.pipelines.pipeline_decorator import pipeline
from dagwell.pipelines.pipeline_definition import Pipeline
from dagwell.steps.base_step import BaseStep
from dagwell.steps.step_context import StepContext, get_step_context
from dagwell.steps.step_decorator import step


@step
def scored() -> float:
    context = get_step_context()
    assert isinstance(context, StepContext)
    log_model_metadata(metadata={"score": 0.7})
    return 0.7


def build(trainer: BaseStep) -> Pipeline:
    @pipeline(enable_cache=False, model=Model(name="paths_model"))
    def built():
        assert get_pipeline_context().name == "built"
        trainer()

    return built


if __name__ == "__main__":
    made = build(scored)
    assert isinstance(made, Pipeline) and isinstance(scored, BaseStep)
    assert callable(link_artifact_to_model)
    assert Schedule(cron_expression="0 * * * *").cron_expression == "0 * * * *"
    run = made()
    assert run.steps["scored"].output.load() == 0.7
