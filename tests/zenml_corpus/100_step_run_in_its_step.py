# What a step reads about itself through get_step_context().step_run in ZenML 0.98 (a
# StepRunResponse): its inputs as artifact versions, the run it belongs to, its status
# as an ExecutionStatus (.value), and what its record shows (start_time, source_code).
# Before: AttributeError for .inputs and .pipeline_run_id, and .status was a plain str
# (no .value). Passes on ZenML 0.98.
from dagwell import get_step_context, pipeline, step
from dagwell.enums import ExecutionStatus


@step
def produce() -> int:
    return 41


@step
def consume(x: int) -> int:
    step_run = get_step_context().step_run
    assert step_run.inputs["x"][0].load() == 41
    assert str(step_run.pipeline_run_id) == str(get_step_context().pipeline_run.id)
    assert step_run.status == ExecutionStatus.RUNNING and step_run.status.value == "running"
    assert step_run.start_time is not None and "def consume" in step_run.source_code
    assert step_run.name == "consume"
    return x + 1


@pipeline(enable_cache=False)
def p():
    consume(produce())


if __name__ == "__main__":
    assert p().steps["consume"].output.load() == 42
