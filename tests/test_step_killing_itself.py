"""A step whose process sends itself a deadly signal fails as its own doing.

Before, ``os.kill(os.getpid(), SIGKILL)`` in a step was recorded ``lost`` ('killed by
SIGKILL from outside dagwell'), called not the step's fault, and retried from the
infrastructure budget: three attempts, each dying alike. The attempt process now writes,
the instant before the call, a result naming it: a ``user_error``, under the step's own
``max_retries``. A kill from another process is still what it was: ``lost``.
"""

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from dagwell import StepRetryConfig, pipeline, step
from dagwell.core.failures import FailureKind
from helpers import wait_for

ACTIONS = {
    "kill-SIGKILL": (lambda: os.kill(os.getpid(), signal.SIGKILL), "os.kill(os.getpid(), SIGKILL)"),
    "kill-SIGTERM": (lambda: os.kill(os.getpid(), signal.SIGTERM), "os.kill(os.getpid(), SIGTERM)"),
    "killpg-SIGKILL": (lambda: os.killpg(0, signal.SIGKILL), "os.killpg(0, SIGKILL)"),
    "raise_signal-SIGHUP": (lambda: signal.raise_signal(signal.SIGHUP), "raise_signal(SIGHUP)"),
}


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0))
def kills_itself(how: str) -> int:
    ACTIONS[how][0]()
    time.sleep(5)  # (a signal is delivered at once; never reached)
    return 1


@pipeline(enable_cache=False)
def self_killing(how: str) -> None:
    kills_itself(how)


@pytest.mark.parametrize("how", list(ACTIONS))
def test_a_step_killing_itself_is_its_own_failure_not_a_lost_attempt(home, cgroups, how):
    with pytest.raises(Exception) as raised:
        self_killing(how)
    run = raised.value.run
    (attempt,) = run.steps["kills_itself"].attempts  # not retried from the infra budget
    assert attempt.failure.kind is FailureKind.USER_ERROR, attempt.failure.message
    assert f"{ACTIONS[how][1]} was called in it" in attempt.failure.message


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0))
def killed_from_outside(pid_file: str) -> int:
    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
    time.sleep(60)
    return 1


@pipeline(enable_cache=False, infra_retries=0)
def killed(pid_file: str) -> None:
    killed_from_outside(pid_file)


def _killed_from_outside(run: Any, tmp_path: Path) -> Any:
    """Run ``run(pid_file)``, SIGKILL its step from this process once the step wrote its
    pid there, and return the step's one attempt."""
    import threading

    pid_file = tmp_path / "pid"

    def kill_it() -> None:
        wait_for(lambda: pid_file.exists() and pid_file.read_text(), 60, "the step's pid")
        os.kill(int(pid_file.read_text()), signal.SIGKILL)

    killer = threading.Thread(target=kill_it, daemon=True)
    killer.start()
    with pytest.raises(Exception) as raised:
        run(str(pid_file))
    killer.join(10)
    (step_run,) = raised.value.run.steps.values()
    (attempt,) = step_run.attempts
    return attempt


def test_a_kill_from_another_process_is_still_lost(home, cgroups, tmp_path):
    attempt = _killed_from_outside(killed, tmp_path)
    assert attempt.failure.kind is FailureKind.LOST, attempt.failure.message


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0))
def forks_a_child_that_kills_itself(pid_file: str) -> int:
    child = os.fork()
    if child == 0:  # (inherits the attempt's patched os.kill: it is not the attempt)
        os.kill(os.getpid(), signal.SIGKILL)
        os._exit(1)  # never reached
    os.waitpid(child, 0)
    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
    time.sleep(60)
    return 1


@pipeline(enable_cache=False, infra_retries=0)
def child_killed_then_parent(pid_file: str) -> None:
    forks_a_child_that_kills_itself(pid_file)


def test_a_forked_child_killing_itself_is_not_the_attempts_own_kill(home, cgroups, tmp_path):
    """The step's forked child inherited the witness and wrote the attempt's result as its
    own self-kill: the attempt, killed from outside afterwards, was recorded user_error."""
    attempt = _killed_from_outside(child_killed_then_parent, tmp_path)
    assert attempt.failure.kind is FailureKind.LOST, attempt.failure.message


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0))
def tags_then_kills_itself() -> int:
    from dagwell import add_tags

    add_tags(tags=["before_the_kill"])
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(5)
    return 1


@pipeline(enable_cache=False)
def tagging_self_killer() -> None:
    tags_then_kills_itself()


def test_a_self_killing_steps_tags_are_recorded(home, cgroups):
    """A step's add_tags travel in its result; the self-kill's result carried none."""
    with pytest.raises(Exception) as raised:
        tagging_self_killer()
    assert "before_the_kill" in [t.name for t in raised.value.run.tags]


LAUNCHER_KILLS = {
    "kill": (lambda: os.kill(os.getppid(), signal.SIGKILL), "os.kill(os.getppid(), SIGKILL)"),
    "killpg": (lambda: os.killpg(os.getppid(), signal.SIGTERM), "os.killpg(os.getppid(), SIGTERM)"),
}


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0))
def kills_its_launcher(how: str) -> int:
    LAUNCHER_KILLS[how][0]()
    time.sleep(30)  # (the attempt dies with its launcher; never reached)
    return 1


@pipeline(enable_cache=False)
def launcher_killing(how: str) -> None:
    kills_its_launcher(how)


@pytest.mark.parametrize("how", list(LAUNCHER_KILLS))
def test_a_step_killing_its_launcher_is_its_own_failure(home, cgroups, how):
    """The step kills the zygote that forked it, and dies with it. Before: recorded lost
    ('launcher process died'), retried from the infrastructure budget, three attempts each
    killing the new zygote."""
    with pytest.raises(Exception) as raised:
        launcher_killing(how)
    (attempt,) = raised.value.run.steps["kills_its_launcher"].attempts
    assert attempt.failure.kind is FailureKind.USER_ERROR, attempt.failure.message
    assert f"{LAUNCHER_KILLS[how][1]} was called in it" in attempt.failure.message
    assert "launched it" in attempt.failure.message


def test_an_attempt_that_kills_its_launcher_goes_no_further():
    """The attempt's parent-death signal lands a little after its launcher dies: a step
    that went on (returned, wrote its result) overwrote the self-kill note with an ok
    result, and 3 of 8 concurrent runs of test_zygote's KILLS_ITS_PARENT still recorded 3
    lost attempts. Now the attempt ends with the kill of its launcher. Here the launcher is
    a stand-in process and no parent-death signal is asked for: only the witness stops it."""
    import os
    import signal

    from dagwell.runtimes.self_kill import witnessed

    read, write = os.pipe()
    launcher = os.fork()
    if launcher == 0:  # pragma: no cover (a child)
        attempt = os.fork()
        if attempt == 0:
            os.close(read)
            notes: list[str] = []
            with witnessed(lambda text, kind: notes.append(text)):
                os.kill(os.getppid(), signal.SIGKILL)
                os.write(write, b"went on")
            os._exit(0)
        os.waitpid(attempt, 0)
        os._exit(0)
    os.close(write)
    os.waitpid(launcher, 0)
    with os.fdopen(read, "rb") as pipe:  # (EOF once the attempt, reparented, has ended)
        assert pipe.read() == b""


def test_a_process_the_step_forked_that_kills_the_launcher_goes_on():
    """Only the attempt ends itself with its launcher: a process the step forked inherits
    the witness, and before this was killed by it too when it signalled the launcher."""
    import os
    import signal

    from dagwell.runtimes.self_kill import witnessed

    read, write = os.pipe()
    launcher = os.fork()
    if launcher == 0:  # pragma: no cover (a child)
        attempt = os.fork()
        if attempt == 0:
            os.close(read)
            with witnessed(lambda *_: None):
                target = os.getppid()
                if os.fork() == 0:  # the step's own child
                    os.kill(target, signal.SIGKILL)
                    os.write(write, b"went on")
                    os._exit(0)
                os.close(write)
                os.wait()
            os._exit(0)
        os.waitpid(attempt, 0)
        os._exit(0)
    os.close(write)
    os.waitpid(launcher, 0)
    with os.fdopen(read, "rb") as pipe:  # (EOF once every holder of the pipe has ended)
        assert pipe.read() == b"went on"
