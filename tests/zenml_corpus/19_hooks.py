# docs: failure and success hooks.
from dagwell import get_step_context, pipeline, step

EVENTS = []


def on_failure(exception: BaseException):
    context = get_step_context()
    EVENTS.append(f"{context.step_run.name} failed: {exception}")


def on_success():
    EVENTS.append("success")


@step(on_failure=on_failure)
def my_failing_step() -> int:
    raise ValueError("Error")


@step(on_success=on_success)
def my_step() -> int:
    return 1


@pipeline(on_failure=on_failure)
def hooked_pipeline():
    my_step()
    my_failing_step()


if __name__ == "__main__":
    try:
        hooked_pipeline()
    except Exception:
        pass
    assert "success" in EVENTS, EVENTS
    assert "my_failing_step failed: Error" in EVENTS, EVENTS
