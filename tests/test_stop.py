"""Stopping runs: `dagwell runs stop` from another process, and Ctrl-C in the orchestrator.

Running attempts' process trees are killed and recorded cancelled, what had not started
is skipped, the run ends cancelled, and no process or cgroup is left behind.
"""

import json
import os
import signal
import subprocess
import sys

import pytest

from conftest import leftover_cgroups
from dagwell import Client
from dagwell.core.statuses import AttemptStatus, RunStatus, StepStatus
from helpers import pid_alive, running_attempts, start_orchestrator

BODY = """
import workloads
from dagwell import LocalOrchestrator, RunFailedError
p = workloads.sleepy.with_options(orchestrator=LocalOrchestrator(max_parallelism=2))
try:
    p(count=3, seconds=60)
except RunFailedError as error:
    print("RESULT", error.run.status.value)
    raise SystemExit(1)
"""


def check_cancelled(home, pids):
    run = Client(home).get_run("latest")
    assert run.status is RunStatus.CANCELLED
    statuses = sorted(s.status.value for s in run.steps.values())
    assert statuses == ["cancelled", "cancelled", "skipped"]
    for s in run.steps.values():
        if s.status is StepStatus.CANCELLED:
            assert s.attempts[-1].status is AttemptStatus.CANCELLED
            assert s.attempts[-1].failure.kind == "cancelled"
        else:
            assert s.attempts == []
    assert not [p for p in pids if pid_alive(p)]
    assert leftover_cgroups() == []
    return run


def test_runs_stop_from_another_process(home, tmp_path):
    proc = start_orchestrator(home, tmp_path, BODY)
    run, pids = running_attempts(home, 2)
    env = {**os.environ, "DAGWELL_HOME": str(home)}
    out = subprocess.run(
        [sys.executable, "-m", "dagwell", "runs", "stop", run.id],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "RESULT cancelled" in stdout
    check_cancelled(home, pids)
    again = subprocess.run(
        [sys.executable, "-m", "dagwell", "runs", "stop", run.id, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert json.loads(again.stdout)["status"] == "cancelled"  # stopping twice is harmless


def test_ctrl_c_in_the_orchestrator(home, tmp_path):
    proc = start_orchestrator(home, tmp_path, BODY)
    _run, pids = running_attempts(home, 2)
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "KeyboardInterrupt" in stdout
    check_cancelled(home, pids)


def _signalled_run(home, tmp_path, signals):
    """Start the orchestrator, send ``signals`` once two attempts run; return its end."""
    import time

    proc = start_orchestrator(home, tmp_path, BODY)
    _run, pids = running_attempts(home, 2)
    started = time.monotonic()
    for number in signals:
        proc.send_signal(number)
        time.sleep(0.05)
    stdout, _ = proc.communicate(timeout=60)
    return proc.returncode, stdout, pids, time.monotonic() - started


def test_sigterm_to_the_orchestrator_stops_the_run_like_ctrl_c(home, tmp_path):
    """Before: the orchestrator died at once; zygote and attempts ran on, the run stayed
    'running' with its cgroups in place."""
    code, stdout, pids, _took = _signalled_run(home, tmp_path, [signal.SIGTERM])
    assert code == -signal.SIGTERM, stdout  # the shell sees 143
    check_cancelled(home, pids)


def test_sighup_to_the_orchestrator_stops_the_run_like_ctrl_c(home, tmp_path):
    code, stdout, pids, _took = _signalled_run(home, tmp_path, [signal.SIGHUP])
    assert code == -signal.SIGHUP, stdout  # the shell sees 129
    check_cancelled(home, pids)


def test_a_second_signal_during_the_stop_still_leaves_nothing_behind(home, tmp_path):
    code, stdout, pids, took = _signalled_run(
        home, tmp_path, [signal.SIGTERM, signal.SIGTERM, signal.SIGINT]
    )
    assert code == -signal.SIGTERM, stdout
    check_cancelled(home, pids)
    assert took < 15


def test_a_sigkilled_orchestrators_attempts_die_with_it(home, tmp_path):
    """Before: the attempts of a SIGKILLed orchestrator ran on, racing a resume."""
    from helpers import wait_for

    proc = start_orchestrator(home, tmp_path, BODY)
    run, pids = running_attempts(home, 2)
    proc.kill()
    proc.communicate(timeout=30)
    wait_for(lambda: not [p for p in pids if pid_alive(p)], 10, "the attempts to die")
    stopped = subprocess.run(  # the orphaned run is then stopped: its cgroups go too
        [sys.executable, "-m", "dagwell", "runs", "stop", run.id],
        capture_output=True,
        text=True,
        env={**os.environ, "DAGWELL_HOME": str(home)},
        timeout=60,
    )
    assert stopped.returncode == 0, stopped.stderr
    assert leftover_cgroups() == []


HOOKED = """
import sys

import pytest
import time

from dagwell import pipeline, step


def notify(*_args):
    open(sys.argv[0] + ".hook", "w").close()
    time.sleep(60)  # a slow webhook


@step
def a() -> int:
    return 1


@pipeline(name="hooked", enable_cache=False, on_success=notify)
def hooked():
    a()


hooked()
"""


@pytest.mark.parametrize("how", ["sigterm", "runs stop"])
def test_the_end_of_a_run_is_recorded_before_its_last_hooks_and_a_stop_keeps_it(
    home, tmp_path, how
):
    """Before: for the whole on_success hook of the last step the store showed the run
    'running' with nothing left to run, and a SIGTERM meanwhile recorded it 'cancelled'."""
    from helpers import wait_for

    proc = start_orchestrator(home, tmp_path, HOOKED)
    try:
        wait_for((tmp_path / "orchestrator.py.hook").exists, 60, "the hook to start")
        run = wait_for(  # the hook sleeps 60 s: this is not waiting for it
            lambda: (r := Client(home).get_run("latest")).status is RunStatus.COMPLETED and r,
            15,
            "the run's end to be recorded",
        )
        if how == "sigterm":
            proc.send_signal(signal.SIGTERM)
            stdout, _ = proc.communicate(timeout=30)  # the hook is cut short, not waited for
            assert proc.returncode == -signal.SIGTERM, stdout
            assert "they are abandoned, the run stays completed" in stdout
        else:
            out = subprocess.run(
                [sys.executable, "-m", "dagwell", "runs", "stop", run.id, "--json"],
                capture_output=True,
                text=True,
                env={**os.environ, "DAGWELL_HOME": str(home)},
                timeout=60,
            )
            assert json.loads(out.stdout)["status"] == "completed", out.stderr
    finally:
        if proc.poll() is None:  # (runs stop leaves it to its hook)
            proc.kill()
            proc.communicate(timeout=30)
    run = Client(home).get_run("latest")
    assert run.status is RunStatus.COMPLETED
    assert [s.status for s in run.steps.values()] == [StepStatus.COMPLETED]


WINDOW = """
import os, signal
import workloads
from dagwell import LocalOrchestrator, RunFailedError
from dagwell.runtimes.local import LocalRuntime
from dagwell.store import Store

def signal_during(cls, name):
    original = getattr(cls, name)
    def wrapped(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        os.kill(os.getpid(), signal.{signal})  # lands right after {where}
        return result
    setattr(cls, name, wrapped)

signal_during({where})
p = workloads.sleepy.with_options(orchestrator=LocalOrchestrator(max_parallelism=2))
try:
    p(count=2, seconds={seconds})
except RunFailedError as error:
    print("RESULT", error.run.status.value)
"""


@pytest.mark.parametrize("number", [signal.SIGHUP, signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_a_finished_run_closes_its_runtime_records_its_end(home, tmp_path, number):
    """Before: a signal in the moment between the last step's end and the record of the
    run's end (the runtime's close) ended the orchestrator with the run 'running' forever.
    The steps had all completed: so has the run; the signal then ends the process."""
    body = WINDOW.format(signal=number.name, where="LocalRuntime, 'close'", seconds=0)
    proc = start_orchestrator(home, tmp_path, body)
    stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode == -number, stdout  # 129, 143, or a KeyboardInterrupt's 130
    run = Client(home).get_run("latest")
    assert run.status is RunStatus.COMPLETED, stdout
    assert [s.status for s in run.steps.values()] == [StepStatus.COMPLETED] * 2
    assert leftover_cgroups() == []


@pytest.mark.parametrize("number", [signal.SIGHUP, signal.SIGINT])
def test_a_signal_right_after_the_run_is_recorded_stops_it(home, tmp_path, number):
    """Before: a signal between the run's record and the engine's loop left the run
    'running' with no orchestrator. It is a stop like any other: the run ends cancelled."""
    body = WINDOW.format(signal=number.name, where="Store, 'create_run'", seconds=60)
    proc = start_orchestrator(home, tmp_path, body)
    stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode == -number, stdout
    run = Client(home).get_run("latest")
    assert run.status is RunStatus.CANCELLED, stdout
    assert leftover_cgroups() == []


SIGNALS_IN_THE_STOPS_FIRST_INSTANT = """
import os, signal, time
from dagwell.engine.signals import SignalStop, hurry_on_signals, restore, stop_on_signals

hurried = []
with stop_on_signals():
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # (its handler raises here)
    except SignalStop:
        # the engine's stop has not taken the handlers over yet: two more signals now
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
        print("the stop went on", flush=True)
        calmed = hurry_on_signals(lambda: hurried.append(True))
        print(f"hurried: {hurried}", flush=True)
        restore(calmed)
        raise
"""


def test_signals_in_the_instant_before_the_stop_began_hurry_it_never_interrupt_it():
    """Regression (a fresh clone's suite at load 22): SIGTERM, SIGTERM, SIGINT 50 ms apart,
    the second landing between the first one's SignalStop and the engine's stop handlers,
    raised again there: the stop itself was cut off, the process ended by SIGTERM with its
    run recorded 'running'. A later signal is now noted and hurries the stop."""
    done = subprocess.run(
        [sys.executable, "-c", SIGNALS_IN_THE_STOPS_FIRST_INSTANT],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.splitlines() == ["the stop went on", "hurried: [True]"], done.stderr
    assert done.returncode == -signal.SIGTERM  # the first signal, re-delivered at the end


SWALLOWED_CTRL_C = """
import sys, time
from dagwell import LocalOrchestrator, pipeline, step

@step(enable_cache=False)
def stubborn() -> int:
    open(sys.argv[1], "w").close()
    try:
        time.sleep(30)
    except KeyboardInterrupt:
        pass  # the user's own code takes the first Ctrl-C
    time.sleep(1.5)
    return 1

@step(enable_cache=False)
def long(x: int) -> None:
    time.sleep(30)

@pipeline(enable_cache=False)
def swallowed():
    long(stubborn())

swallowed.with_options(orchestrator=LocalOrchestrator(isolation="inprocess"))()
"""


def test_a_ctrl_c_after_one_user_code_swallowed_still_stops_the_run(home, tmp_path):
    """Since the first stop signal makes the next ones noted (so that they never cut the
    stop short), a first Ctrl-C that an in-process step caught left the second one noted
    and never acted on: the run went on for its 30 s step. The loop's next turn acts on it."""
    import time

    from helpers import wait_for

    marker = tmp_path / "started"
    proc = subprocess.Popen(
        [sys.executable, "-c", SWALLOWED_CTRL_C, str(marker)],
        env={**os.environ, "DAGWELL_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_for(marker.exists, 60, "the step to start")
    proc.send_signal(signal.SIGINT)  # swallowed by the step
    time.sleep(0.5)
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)  # noted while the step finishes
    out, _ = proc.communicate(timeout=60)
    assert time.monotonic() - started < 15, out
    run = Client(home).get_run("latest")
    assert run.status is RunStatus.CANCELLED, out
    assert run.steps["stubborn"].status is StepStatus.COMPLETED
