"""A step (in its own attempt process) that sets a timer whose signal nothing handles.

``signal.alarm(1)`` with no SIGALRM handler ends the attempt a second later. Before: that
death was 'killed by SIGALRM from outside dagwell', lost, not the step's fault, retried
from the infrastructure budget: three attempts alike. The attempt now notes the timer
when it is set (self_kill); the note stands only if the attempt then dies of that
signal, so a timer that never fires leaves the truth as it was (a timeout, a success).
"""

import signal
import time

import pytest

from dagwell import StepRetryConfig, pipeline, step
from dagwell.core.failures import FailureKind


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0))
def sets_a_timer(how: str) -> int:
    if how == "alarm":
        signal.alarm(1)
    else:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
    time.sleep(10)  # (its SIGALRM ends it first)
    return 1


@pytest.mark.parametrize("how", ["alarm", "setitimer"])
def test_a_step_killed_by_its_own_timer_fails_as_its_own_doing(home, cgroups, how):
    @pipeline(enable_cache=False)
    def timed() -> None:
        sets_a_timer(how)

    with pytest.raises(Exception) as raised:
        timed()
    (attempt,) = raised.value.run.steps["sets_a_timer"].attempts  # no infrastructure retry
    assert attempt.failure.kind is FailureKind.USER_ERROR, attempt.failure.message
    called = "signal.alarm(1)" if how == "alarm" else "signal.setitimer(0, 0.5)"
    assert f"{called} was called in it" in attempt.failure.message


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0), timeout=1)
def a_watchdog_that_never_fires() -> int:
    signal.alarm(600)  # its own watchdog, far off: dagwell's timeout comes first
    time.sleep(60)
    return 1


@step(enable_cache=False)
def a_timer_cancelled_in_time() -> int:
    signal.alarm(600)
    signal.alarm(0)
    return 7


@pipeline(enable_cache=False, on_failure="continue")
def unfired() -> None:
    a_watchdog_that_never_fires()
    a_timer_cancelled_in_time()


def test_a_timer_that_never_fires_changes_nothing(home, cgroups):
    with pytest.raises(Exception) as raised:
        unfired()
    run = raised.value.run
    (stuck,) = run.steps["a_watchdog_that_never_fires"].attempts
    assert stuck.failure.kind is FailureKind.TIMEOUT, stuck.failure.message
    assert run.steps["a_timer_cancelled_in_time"].output.load() == 7
