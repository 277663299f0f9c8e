# ZenML's docs, "Use failure/success hooks" > "Accessing step information inside a hook",
# with the e2e example's notify helpers (examples/e2e/steps/alerts/notify_on.py: build_message
# reads step_context.pipeline and .pipeline_run): inside a hook the step context is the
# step's, and its step run is still `running` (ZenML runs hooks before it finishes the step
# run), for a failure and a success alike; ExecutionStatus has ZenML's PAUSED and RESUMING.
# Before: a hook's step_run.status was "failed", for on_success hooks too, and
# ExecutionStatus.PAUSED raised AttributeError.
import json
import os
import tempfile

from dagwell import get_step_context, pipeline, step
from dagwell.enums import ExecutionStatus

LOG = os.path.join(tempfile.gettempdir(), "corpus_78_hooks.jsonl")


def build_message(status: str) -> str:
    step_context = get_step_context()
    return (
        f"Pipeline `{step_context.pipeline.name}` {status}!\n"
        f"Run `{step_context.pipeline_run.name}`"
    )


def record(hook: str) -> None:
    context = get_step_context()
    with open(LOG, "a") as f:
        f.write(json.dumps({
            "hook": hook,
            "step": context.step_run.name,
            "parameters": context.step_run.config.parameters,
            "step_status": str(context.step_run.status),
            "running": context.step_run.status == ExecutionStatus.RUNNING,
            "message": build_message(hook).splitlines()[0],
        }) + "\n")


def on_failure(exception: BaseException):
    record("failed")


def on_success():
    record("succeeded")


@step(on_success=on_success)
def my_successful_step() -> int:
    return 1


@step(on_failure=on_failure)
def my_step(x: int, some_parameter: int = 1) -> int:
    raise ValueError("My exception")


@pipeline(enable_cache=False)
def notified():
    my_step(my_successful_step(), some_parameter=5)


if __name__ == "__main__":
    if os.path.exists(LOG):
        os.remove(LOG)
    try:
        notified()
    except RuntimeError:
        pass
    with open(LOG) as f:
        events = sorted((json.loads(line) for line in f), key=lambda e: e["hook"])
    assert events == [
        {"hook": "failed", "step": "my_step", "parameters": {"some_parameter": 5},
         "step_status": "running", "running": True,
         "message": "Pipeline `notified` failed!"},
        {"hook": "succeeded", "step": "my_successful_step", "parameters": {},
         "step_status": "running", "running": True,
         "message": "Pipeline `notified` succeeded!"},
    ], events
    assert ExecutionStatus.PAUSED == "paused" and not ExecutionStatus.PAUSED.is_finished
    assert ExecutionStatus("resuming") is ExecutionStatus.RESUMING
    assert [s.value for s in ExecutionStatus][-4:] == ["paused", "resuming", "stopped", "stopping"]
