# Fields a grader or a report script reads off a finished run in ZenML 0.98: who ran it
# (run.user.name, Client().active_user: ZenML's local default user), what the orchestrator
# calls it (run.orchestrator_run_id), whether it is still going (run.in_progress), a
# retried step's attempt number and whether it could still be retried (step.version,
# step.is_retriable), the step's {date}/{time} substitutions, an artifact's visualizations,
# and that what @step makes is a BaseStep. Before: AttributeError for each, ImportError
# for BaseStep. Passes on ZenML 0.98.
import os
import tempfile

from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.config.retry_config import StepRetryConfig
from dagwell.steps import BaseStep
from dagwell.steps.base_step import BaseStep as BaseStepToo

MARKER = os.path.join(tempfile.mkdtemp(), "failed_once")


@step(retry=StepRetryConfig(max_retries=2, delay=0))
def flaky() -> int:
    if not os.path.exists(MARKER):
        open(MARKER, "w").close()
        raise RuntimeError("first attempt fails")
    return 7


@step
def steady(x: int) -> int:
    return x + 1


@pipeline(enable_cache=False)
def report():
    steady(flaky())


if __name__ == "__main__":
    assert isinstance(flaky, BaseStep) and BaseStepToo is BaseStep
    run = report()
    run = Client().get_pipeline_run(run.id)
    assert run.user.name == Client().active_user.name == "default"
    assert isinstance(run.orchestrator_run_id, str) and run.orchestrator_run_id
    assert run.in_progress is False
    retried, once = run.steps["flaky"], run.steps["steady"]
    assert retried.version == 2 and retried.is_retriable is True
    assert once.version == 1 and once.is_retriable is False
    assert retried.user.name == "default"
    assert set(once.substitutions) >= {"date", "time"}
    output = once.outputs["output"][0]
    assert output.load() == 8 and output.user.name == "default"
    assert isinstance(output.visualizations, list)
    print(f"{run.user.name} ran {run.name} as {run.orchestrator_run_id}")
