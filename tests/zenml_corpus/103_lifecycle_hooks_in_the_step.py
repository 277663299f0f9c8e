# ZenML 0.98's lifecycle hooks of a pipeline and its steps: on_init(**on_init_kwargs) whose
# return value each step reads as get_step_context().pipeline_state, on_start before a
# step's body, on_end after it with the step's exception (None when it succeeded), a
# step's own on_start over its pipeline's, and on_cleanup. Each writes a line to a file,
# read after the run. A step here has its own process, as on ZenML's orchestrators whose
# steps have their own environments, so init and cleanup run around each step. Before:
# DefinitionError "on_init= is not supported". Passes on ZenML 0.98.
import os
import tempfile

from dagwell import get_step_context, pipeline, step
from dagwell.enums import ExecutionMode

JOURNAL = os.path.join(tempfile.mkdtemp(), "journal.txt")


def note(line: str) -> None:
    with open(JOURNAL, "a") as out:
        out.write(line + "\n")


def connect(url: str) -> dict:
    note("init")
    return {"url": url}


def started() -> None:
    note(f"start {get_step_context().step_name}")


def started_own() -> None:
    note("own start")


def ended(exception) -> None:
    note(f"end {type(exception).__name__ if exception else None}")


def cleaned() -> None:
    note("cleanup")


@step
def uses_the_state() -> str:
    return get_step_context().pipeline_state["url"]


@step(on_start=started_own)
def fails(url: str) -> None:
    raise ValueError(url)


@pipeline(
    enable_cache=False,
    execution_mode=ExecutionMode.CONTINUE_ON_FAILURE,
    on_init=connect,
    on_init_kwargs={"url": "db://x"},
    on_start=started,
    on_end=ended,
    on_cleanup=cleaned,
)
def hooked():
    fails(uses_the_state())


if __name__ == "__main__":
    try:
        hooked()
    except RuntimeError:
        pass
    else:
        raise AssertionError("the failing step did not fail the run")
    lines = open(JOURNAL).read().splitlines()
    assert lines.count("init") == lines.count("cleanup") >= 1, lines
    first, second = lines.index("start uses_the_state"), lines.index("own start")
    assert first < lines.index("end None") < second < lines.index("end ValueError"), lines
    assert "start fails" not in lines, lines
