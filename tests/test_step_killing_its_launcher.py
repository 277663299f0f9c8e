"""A step that signals the dagwell process that launched it (``os.kill(os.getppid(), ...)``)
fails as its own doing and harms nothing else: the signal is not sent, the attempt ends
with a ``user_error`` naming the call. Sending it killed the zygote, and with it every other
attempt running then (recorded ``lost``, retried); after three such deaths attempts were
forked by the orchestrator itself, and the next such call killed the run's orchestrator
(the run left ``running``). A signal the launcher ignores is sent: it ends nothing.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap

from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus
from helpers import latest_run, run_script

RETRIED_LAUNCHER_KILLS = """
import os, signal
from dagwell import StepRetryConfig, pipeline, step


@step(enable_cache=False, retry=StepRetryConfig(max_retries=4))
def kill_parent() -> int:
    os.kill(os.getppid(), signal.SIGKILL)  # every attempt
    return 1


@pipeline(enable_cache=False)
def p() -> None:
    kill_parent()


print("ended", p().status.value)
"""


def test_five_attempts_killing_their_launcher_leave_the_orchestrator_alive(tmp_path):
    """Before: attempts 1-4 killed four zygotes; attempt 5 was forked by the orchestrator,
    whose SIGKILL ended the script (rc -9) with the run recorded running for good."""
    script = tmp_path / "kills_its_parent.py"
    script.write_text(RETRIED_LAUNCHER_KILLS)
    done = run_script([str(script)], tmp_path / "home")
    assert done.returncode == 1 and "RunFailedError" in done.stderr, (done.returncode, done.stderr)
    run = latest_run(tmp_path / "home")
    assert run.status is RunStatus.FAILED and not run.orphaned
    attempts = run.steps["kill_parent"].attempts
    assert len(attempts) == 5, [a.failure for a in attempts]
    for attempt in attempts:
        assert attempt.failure.kind is FailureKind.USER_ERROR, attempt.failure.message
        assert "os.kill(os.getppid(), SIGKILL) was called in it" in attempt.failure.message


SIBLING = """
import os, signal, sys, time
from pathlib import Path
from dagwell import StepRetryConfig, pipeline, step

FLAG = Path(sys.argv[1])


@step(enable_cache=False)
def sibling() -> int:
    FLAG.write_text("started")
    time.sleep(2)  # (running while the other step signals the launcher they share)
    return 1


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0))
def kill_parent() -> int:
    deadline = time.monotonic() + 60
    while not FLAG.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(os.getppid(), signal.SIGKILL)
    return 1


@pipeline(enable_cache=False)
def p() -> None:
    sibling()
    kill_parent()


p()
"""


def test_a_sibling_running_beside_a_launcher_kill_is_untouched(tmp_path):
    """Before: the sibling died with the zygote its neighbour killed, recorded lost and
    run again from the infrastructure budget (two attempts)."""
    script = tmp_path / "sibling.py"
    script.write_text(SIBLING)
    done = run_script([str(script), str(tmp_path / "flag")], tmp_path / "home")
    assert done.returncode == 1, (done.returncode, done.stderr)
    run = latest_run(tmp_path / "home")
    (killer,) = run.steps["kill_parent"].attempts
    assert killer.failure.kind is FailureKind.USER_ERROR, killer.failure.message
    (attempt,) = run.steps["sibling"].attempts
    assert run.steps["sibling"].status.value == "completed", attempt.failure


IGNORED = """
import os, signal
from dagwell import pipeline, step


@step(enable_cache=False)
def pipe_to_parent() -> int:
    os.kill(os.getppid(), signal.SIGPIPE)  # Python's processes ignore SIGPIPE
    return 7


@pipeline(enable_cache=False)
def p() -> None:
    pipe_to_parent()


print("ended", p().status.value)
"""


def test_a_signal_its_launcher_ignores_ends_nothing(tmp_path):
    """Before: SIGPIPE, which the zygote ignores, was taken for a kill of the launcher and
    the step failed (user_error) though nothing had ended."""
    script = tmp_path / "ignored.py"
    script.write_text(IGNORED)
    done = run_script([str(script)], tmp_path / "home")
    assert done.returncode == 0 and "ended completed" in done.stdout, done.stderr
    assert latest_run(tmp_path / "home").steps["pipe_to_parent"].output.load() == 7


def test_as_pid_1_a_signal_to_its_own_group_is_no_launcher_kill():
    """In a step pod the attempt is the container's PID 1: its parent pid reads 0, and
    ``os.killpg(0, SIGTERM)`` with SIGTERM ignored (to signal the step's own helpers) was
    taken for a kill of the launcher: a false note, and the attempt SIGKILLed itself."""
    unshare = shutil.which("unshare")
    assert unshare is not None, "util-linux's unshare is needed (apt-get install util-linux)"
    code = textwrap.dedent(
        """
        import os, signal
        from dagwell.runtimes.self_kill import witnessed
        assert os.getpid() == 1 and os.getppid() == 0, (os.getpid(), os.getppid())
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        notes = []
        with witnessed(lambda text, kind: notes.append(text)):
            os.killpg(0, signal.SIGTERM)
        print("notes", notes)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [unshare, "--pid", "--fork", sys.executable, "-c", code],
        capture_output=True, text=True, timeout=60, env=env,
        start_new_session=True,  # (its own process group: the one killpg(0) signals)
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "notes []", done.stdout


def test_an_attempt_whose_launcher_ignores_a_signal_is_not_noted():
    """The witness decides from the launcher's own dispositions (its SigIgn). Before: any
    signal but SIGINT counted as a kill of the launcher, SIGUSR1 ignored there included."""
    from dagwell.runtimes.self_kill import witnessed

    read, write = os.pipe()
    launcher = os.fork()
    if launcher == 0:  # pragma: no cover (a child)
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        attempt = os.fork()
        if attempt == 0:
            os.close(read)
            notes: list[str] = []
            with witnessed(lambda text, kind: notes.append(text)):
                os.kill(os.getppid(), signal.SIGUSR1)  # ignored there: sent, goes on
                os.write(write, b"past SIGUSR1;")
                os.kill(os.getppid(), signal.SIGUSR2)  # not ignored: not sent, attempt ends
                os.write(write, b"went on")
            os._exit(0)
        os.close(write)
        os.waitpid(attempt, 0)
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(launcher, 0)
    with os.fdopen(read, "rb") as pipe:
        assert pipe.read() == b"past SIGUSR1;"
    assert os.waitstatus_to_exitcode(status) == 0  # (the launcher lived: SIGUSR2 not sent)


def test_a_step_killing_every_process_it_may_is_not_let_through():
    """``os.kill(-1, SIGKILL)`` from an attempt reaches every process its user may signal:
    for root the orchestrator and the machine. It is noted, not sent, and ends the attempt.
    Run in a PID namespace of its own, where -1 reaches only the namespace: before, the
    launcher there died of it."""
    unshare = shutil.which("unshare")
    assert unshare is not None, "util-linux's unshare is needed (apt-get install util-linux)"
    code = textwrap.dedent(
        """
        import os, signal
        from dagwell.runtimes.self_kill import witnessed
        read, write = os.pipe()
        launcher = os.fork()
        if launcher == 0:
            attempt = os.fork()
            if attempt == 0:
                notes = []
                def note(text, kind):
                    os.write(write, text.encode())
                with witnessed(note):
                    os.kill(-1, signal.SIGKILL)
                    os.write(write, b" went on")
                os._exit(0)
            os.waitpid(attempt, 0)
            os._exit(3)
        os.close(write)
        _, status = os.waitpid(launcher, 0)
        with os.fdopen(read) as pipe:
            said = pipe.read()
        print(os.waitstatus_to_exitcode(status), said)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [unshare, "--pid", "--fork", sys.executable, "-c", code],
        capture_output=True, text=True, timeout=60, env=env, start_new_session=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    code_of_launcher, said = done.stdout.strip().split(" ", 1)
    assert code_of_launcher == "3", done.stdout  # (the launcher lived on, and exited itself)
    assert "os.kill(-1, SIGKILL) was called in it" in said and "went on" not in said, said
