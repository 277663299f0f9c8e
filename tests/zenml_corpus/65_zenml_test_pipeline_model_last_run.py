# ZenML's own integration tests of run models (tests/integration/functional/models/
# test_pipeline_run.py: test_pipeline_run_artifacts; test_step_run.py: test_step_run_linkage),
# in ZenML 0.98's decorator style, and the pipeline object's read-only properties they lean
# on (zenml/pipelines/pipeline_definition.py): `my_pipeline.model` is the registered
# pipeline (PipelineResponse: `.last_run`, `.name`), a RuntimeError before its first run;
# `.source_code`, `.required_parameters`, `.missing_parameters`. Before: `.model` was the
# pipeline's Model configuration (None here: "'NoneType' object has no attribute
# 'last_run'"), and the other properties did not exist.
import inspect

from dagwell import pipeline, step
from dagwell.enums import ExecutionStatus


@step
def constant_int_output_test_step() -> int:
    return 7


@step
def int_plus_one_test_step(input: int) -> int:
    return input + 1


@pipeline
def connected_two_step_pipeline():
    int_plus_one_test_step(constant_int_output_test_step())


@pipeline(enable_cache=False)
def needs_parameters(first: int, second: int = 2, third: str = "x"):
    int_plus_one_test_step(first)


if __name__ == "__main__":
    try:
        connected_two_step_pipeline.model
    except RuntimeError:
        pass
    else:
        raise AssertionError("a pipeline that never ran had a registered model")

    # Non-cached run created two artifacts, one per step
    connected_two_step_pipeline()
    last_run = connected_two_step_pipeline.model.last_run
    assert connected_two_step_pipeline.model.name == "connected_two_step_pipeline"
    assert len(last_run.artifact_versions) == 2
    assert len(last_run.produced_artifact_versions) == 2
    assert last_run.steps["int_plus_one_test_step"].output.load() == 8

    # Cached run did not produce any artifacts
    connected_two_step_pipeline()
    pipeline_run_2 = connected_two_step_pipeline.model.last_run
    assert pipeline_run_2.id != last_run.id
    assert len(pipeline_run_2.artifact_versions) == 2
    assert len(pipeline_run_2.produced_artifact_versions) == 0
    step_run_2 = pipeline_run_2.steps["constant_int_output_test_step"]
    assert step_run_2.status == ExecutionStatus.CACHED

    assert connected_two_step_pipeline.source_code == inspect.getsource(
        connected_two_step_pipeline.entrypoint
    )
    assert connected_two_step_pipeline.source_code.startswith("@pipeline\ndef connected")
    assert needs_parameters.required_parameters == ["first"]
    assert needs_parameters.missing_parameters == ["first"]
    configured = needs_parameters.with_options(parameters={"first": 1})
    assert configured.missing_parameters == []
    assert configured.required_parameters == ["first"]
    configured()
    assert configured.model.last_run.steps["int_plus_one_test_step"].output.load() == 2
