"""A step that ends its attempt's process without an exception: ``os._exit(n)``, or an
``os.exec*`` that puts another program in its place.

Before: only a guess from the exit code, 'exited with code 0 before writing its results;
did the step call os._exit()?' or '(os._exit or a crash in native code)'. Now the
attempt notes the call the instant before, as it does a kill of itself (self_kill): the
failure names it, under the step's own budget, with the exit code that followed.
"""

import os
import re

import pytest

from dagwell import StepRetryConfig, pipeline, step
from dagwell.core.failures import FailureKind

ENDINGS = {
    "exit-0": (lambda: os._exit(0), r"os\._exit\(0\) was called in it", 0),
    "exit-3": (lambda: os._exit(3), r"os\._exit\(3\) was called in it", 3),
    "execv": (
        lambda: os.execv("/bin/sh", ["sh", "-c", "exit 4"]),
        r"another program took its place.*os\.execv\('/bin/sh', \.\.\.\) was called in it",
        4,
    ),
    "execlp": (  # (found on PATH; an exec of a path given as bytes)
        lambda: os.execlp("sh", "sh", "-c", "exit 0"),
        r"os\.execv\('/[^']*/sh', \.\.\.\) was called in it",
        0,
    ),
}


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0))
def ends_its_process(how: str) -> int:
    ENDINGS[how][0]()
    return 1  # (never reached)


@pytest.mark.parametrize("how", list(ENDINGS))
def test_a_step_ending_its_own_process_is_named_for_the_call(home, cgroups, how):
    @pipeline(enable_cache=False)
    def ending() -> None:
        ends_its_process(how)

    with pytest.raises(Exception) as raised:
        ending()
    (attempt,) = raised.value.run.steps["ends_its_process"].attempts
    _, said, code = ENDINGS[how]
    assert attempt.failure.kind is FailureKind.USER_ERROR, attempt.failure.message
    assert re.search(said, attempt.failure.message), attempt.failure.message
    assert attempt.failure.exit_code == code
