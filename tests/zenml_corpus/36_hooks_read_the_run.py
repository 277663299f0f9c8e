# Shape of ZenML's docs "Use failure/success hooks" (how-to/build-pipelines/use-failure-
# success-hooks.md) and the e2e example's steps/alerts/notify_on.py: a failure hook that takes
# the exception and reads the step context (step_run.name, .config.parameters); a pipeline-
# level failure hook that reads pipeline_run.config.extra and the pipeline's name, and posts
# through Client().active_stack.alerter when the stack has one (a default stack has none:
# None). Step-level hooks take precedence. Passes on ZenML 0.98.
import json
import os
import tempfile

from dagwell import get_step_context, pipeline, step
from dagwell.client import Client

LEDGER = os.path.join(tempfile.mkdtemp(), "hook_calls.jsonl")
alerter = Client().active_stack.alerter


def record(**fields):
    with open(LEDGER, "a") as f:
        f.write(json.dumps(fields) + "\n")


def step_failed(exception: BaseException):
    context = get_step_context()
    record(
        hook="step",
        step=context.step_run.name,
        parameters=context.step_run.config.parameters,
        error=f"{type(exception).__name__}: {exception}",
    )


def run_failed() -> None:
    context = get_step_context()
    if context.pipeline_run.config.extra["alert_on_failure"]:
        message = f"{context.pipeline.name} / {context.step_run.name} failed"
        if alerter:
            alerter.post(message)
        else:
            record(hook="pipeline", message=message, run=context.pipeline_run.name)


def succeeded():
    record(hook="success", step=get_step_context().step_run.name)


@step(on_failure=step_failed)
def flaky(threshold: int = 1) -> int:
    raise ValueError(f"threshold {threshold} not met")


@step(on_success=succeeded)
def fine() -> int:
    return 1


@step
def broken() -> int:
    raise KeyError("missing column")


@pipeline(on_failure=run_failed, extra={"alert_on_failure": True})
def guarded():
    fine()
    flaky(threshold=3)
    broken()


if __name__ == "__main__":
    assert alerter is None
    try:
        guarded()
    except Exception:
        pass
    lines = [json.loads(line) for line in open(LEDGER)]
    assert sorted(c["hook"] for c in lines) == ["pipeline", "step", "success"], lines
    calls = {c["hook"]: c for c in lines}
    assert calls["step"]["step"] == "flaky" and calls["step"]["parameters"] == {"threshold": 3}
    assert calls["step"]["error"] == "ValueError: threshold 3 not met"
    assert calls["pipeline"]["message"] == "guarded / broken failed"
    assert calls["success"]["step"] == "fine"
