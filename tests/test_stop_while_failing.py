"""A stop that comes while a step is failing: the step failed first, and the record says so.

The step's exception was raised and its result written, but the orchestrator had not read
its exit yet when the stop came (Ctrl-C, SIGTERM, SIGHUP, ``dagwell runs stop`` seen at a
heartbeat, or ``runs stop`` of an orchestrator frozen at that moment). The step failed
before the stop: it is ``failed`` with its own failure, and the run ``failed`` ("a step
failed" comes before "the run was stopped" in the run rules); the step still running when
the stop came is ``cancelled``. A stop while the failed step's on_failure hook runs is the
same story.
"""

import os
import signal
import subprocess
import sys

import pytest

from conftest import leftover_cgroups
from dagwell import Client
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import AttemptStatus, RunStatus, StepStatus
from helpers import pid_alive, running_attempts, start_orchestrator, wait_for

BODY = """
import os, sys, time
import workloads
from dagwell import RunFailedError, StepRetryConfig, pipeline, step

GO = sys.argv[0] + ".go"


@step(enable_cache=False, retry=StepRetryConfig(max_retries={retries}))
def boom(go: str) -> int:
    with open(go + ".pid", "w") as f:
        f.write(str(os.getpid()))
    while not os.path.exists(go):
        time.sleep(0.01)
    raise ValueError("boom")


@pipeline(enable_cache=False, on_failure="continue")
def p() -> None:
    boom(GO)
    workloads.nap(60)

{instrument}
try:
    p()
except RunFailedError as error:
    print("RESULT", error.run.status.value)
"""

# `dagwell runs stop` is seen at a heartbeat; the step raises only then, and its end is
# read after the stop (the order a heartbeat landing between the two gives)
STOP_SEEN_FIRST = """
from dagwell.store import Store

_heartbeat = Store.heartbeat


def heartbeat(self, *args, **kwargs):
    stop = _heartbeat(self, *args, **kwargs)
    if stop and not os.path.exists(GO):
        open(GO, "w").close()
        pid = int(open(GO + ".pid").read())
        deadline = time.monotonic() + 30
        while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
            time.sleep(0.01)
    return stop


Store.heartbeat = heartbeat
"""


def _stop(home, run_id):
    out = subprocess.run(
        [sys.executable, "-m", "dagwell", "runs", "stop", run_id],
        capture_output=True,
        text=True,
        env={**os.environ, "DAGWELL_HOME": str(home)},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out


def _step_failed_first(home, tmp_path, pids, *, retries=0):
    """boom failed with its own error, nap was cancelled; the run failed (no retries
    left) or was cancelled (boom's retry was not started), and nothing is left behind."""
    run = Client(home).get_run("latest")
    boom, nap = run.steps["boom"], run.steps["nap"]
    (attempt,) = boom.attempts
    assert attempt.status is AttemptStatus.FAILED, attempt.failure
    assert attempt.failure.kind is FailureKind.USER_ERROR
    assert attempt.failure.message.startswith("ValueError: boom")
    assert nap.status is StepStatus.CANCELLED
    assert nap.attempts[-1].failure.kind is FailureKind.CANCELLED
    if retries:
        assert boom.status is StepStatus.CANCELLED  # between attempts: stopped
        assert "Not retried: the run was stopped." in attempt.failure.message
        assert run.status is RunStatus.CANCELLED
    else:
        assert boom.status is StepStatus.FAILED
        assert run.status is RunStatus.FAILED and run.status_rule == "a step failed"
    assert not [p for p in pids if pid_alive(p)]
    assert leftover_cgroups() == []


def _fail_while_frozen(proc, tmp_path):
    """Freeze the orchestrator, let boom raise and exit; its end is then unread."""
    go, pid_file = tmp_path / "orchestrator.py.go", tmp_path / "orchestrator.py.go.pid"
    pid = int(wait_for(lambda: pid_file.exists() and pid_file.read_text(), 30, "boom's pid"))
    proc.send_signal(signal.SIGSTOP)
    go.touch()
    wait_for(lambda: not pid_alive(pid), 30, "boom's process to end")


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_after_the_step_raised_leaves_it_failed(home, tmp_path, number):
    """Before: the stop claimed the failed attempt: boom 'cancelled: Attempt 1 was
    stopped.', its ValueError lost, and the run 'cancelled' instead of 'failed'."""
    proc = start_orchestrator(home, tmp_path, BODY.format(retries=0, instrument=""))
    try:
        _run, pids = running_attempts(home, 2)
        _fail_while_frozen(proc, tmp_path)
        proc.send_signal(number)
        proc.send_signal(signal.SIGCONT)
        stdout, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert proc.returncode == -number, stdout
    _step_failed_first(home, tmp_path, pids)


def test_a_retry_a_stop_prevents_cancels_the_step_but_keeps_the_attempts_failure(home, tmp_path):
    proc = start_orchestrator(home, tmp_path, BODY.format(retries=2, instrument=""))
    try:
        _run, pids = running_attempts(home, 2)
        _fail_while_frozen(proc, tmp_path)
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGCONT)
        stdout, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGTERM, stdout
    _step_failed_first(home, tmp_path, pids, retries=2)


def test_runs_stop_seen_before_the_failed_steps_end_leaves_it_failed(home, tmp_path):
    """Before: as with a signal, the heartbeat's stop turned boom's ValueError into
    'cancelled' and the run with it."""
    proc = start_orchestrator(home, tmp_path, BODY.format(retries=0, instrument=STOP_SEEN_FIRST))
    try:
        run, pids = running_attempts(home, 2)
        _stop(home, run.id)
        stdout, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert "RESULT failed" in stdout, stdout
    _step_failed_first(home, tmp_path, pids)


def test_runs_stop_of_an_orchestrator_frozen_as_the_step_failed_leaves_it_failed(home, tmp_path):
    """`runs stop` kills a frozen orchestrator and stops the run itself. Before: boom's
    result (its ValueError) was found, and recorded 'cancelled' all the same."""
    proc = start_orchestrator(home, tmp_path, BODY.format(retries=0, instrument=""))
    try:
        run, pids = running_attempts(home, 2)
        _fail_while_frozen(proc, tmp_path)
        out = _stop(home, run.id)
        assert "it was killed (SIGKILL)" in out.stderr, out.stderr
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    _step_failed_first(home, tmp_path, pids)


HOOKED = """
import sys, time
import workloads
from dagwell import RunFailedError, StepRetryConfig, pipeline, step


def slow_hook() -> None:
    open(sys.argv[0] + ".hook", "w").close()
    time.sleep(60)


@step(enable_cache=False, on_failure=slow_hook, retry=StepRetryConfig(max_retries=0))
def boom() -> int:
    raise ValueError("boom")


@pipeline(enable_cache=False, on_failure="continue", hook_timeout=3)
def p() -> None:
    boom()
    workloads.nap(60)


try:
    p()
except RunFailedError as error:
    print("RESULT", error.run.status.value)
"""


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "runs stop"])
def test_a_stop_while_the_failed_steps_hook_runs_leaves_it_failed(home, tmp_path, how):
    proc = start_orchestrator(home, tmp_path, HOOKED)
    try:
        wait_for((tmp_path / "orchestrator.py.hook").exists, 60, "the hook to start")
        run = Client(home).get_run("latest")
        if how == "runs stop":
            _stop(home, run.id)
        else:
            proc.send_signal(getattr(signal, how))
        stdout, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    run = Client(home).get_run("latest")
    assert run.status is RunStatus.FAILED, stdout
    assert run.steps["boom"].status is StepStatus.FAILED
    assert run.steps["boom"].attempts[0].failure.message.startswith("ValueError: boom")
    assert run.steps["nap"].status is StepStatus.CANCELLED
    assert leftover_cgroups() == []


@pytest.mark.kube
def test_on_kubernetes_a_stop_after_the_step_pod_failed_leaves_it_failed(
    home, kube, tmp_path, monkeypatch
):
    """The step's pod failed (ValueError) and the watch saw it before the stop, seen at a
    heartbeat, reached the runtime. Before: recorded 'cancelled', the run too."""
    import threading

    import workloads
    from dagwell import KubernetesOrchestrator, pipeline
    from dagwell.kubernetes.runtime import KubernetesRuntime
    from dagwell.store import Store
    from helpers import outcome

    cluster = kube(nodes={"node-a": "1400MB"})
    runtimes: list[KubernetesRuntime] = []
    made = KubernetesRuntime.__init__

    def remember(self, **options):
        runtimes.append(self)
        made(self, **options)

    go = tmp_path / "go"
    beat = Store.heartbeat

    def heartbeat(self, *args, **kwargs):
        stop = beat(self, *args, **kwargs)
        if stop and not go.exists():  # boom fails now; its end is seen before the stop acts
            go.touch()
            pods = runtimes[0].table.pods
            wait_for(lambda: pods[("fail_on", 1)].ended, 60, "the watch to see boom's end")
        return stop

    monkeypatch.setattr(KubernetesRuntime, "__init__", remember)
    monkeypatch.setattr(Store, "heartbeat", heartbeat)

    @pipeline(enable_cache=False, on_failure="continue")
    def p() -> None:
        workloads.fail_on(str(go))
        workloads.nap(60)

    orchestrator = KubernetesOrchestrator(
        kubeconfig=cluster.kubeconfig, namespace=cluster.namespace, image="local"
    )
    result = {}
    on_kubernetes = p.with_options(orchestrator=orchestrator)
    thread = threading.Thread(target=lambda: result.update(run=outcome(on_kubernetes)))
    thread.start()
    wait_for(
        lambda: sum(p.get("status", {}).get("phase") == "Running" for p in cluster.pods()) == 2,
        60,
        "two running pods",
    )
    Client().stop_run("latest")
    thread.join(90)
    run = result["run"]
    (attempt,) = run.steps["fail_on"].attempts
    assert attempt.failure.kind is FailureKind.USER_ERROR, attempt.failure
    assert attempt.failure.message.startswith("ValueError: boom")
    assert run.steps["fail_on"].status is StepStatus.FAILED
    assert run.steps["nap"].status is StepStatus.CANCELLED
    assert run.status is RunStatus.FAILED


ARRIVED = """
import os, signal
import workloads
from dagwell import LocalOrchestrator, RunFailedError, pipeline
from dagwell.engine.loop import Engine
from dagwell.runtimes.base import AttemptExited
from dagwell.runtimes.local import LocalRuntime

_on_event, _finish = Engine._on_event, LocalRuntime._finish


def on_event(self, event):
    if isinstance(event, AttemptExited) and event.step_id == "load":
        os.kill(os.getpid(), signal.{signal})  # lands before load's end is handled
    return _on_event(self, event)


def finish(self, key, *args, **kwargs):
    ended = _finish(self, key, *args, **kwargs)
    if key[0] == "load":
        os.kill(os.getpid(), signal.{signal})  # lands before the runtime hands it over
    return ended


{where}


@pipeline(enable_cache=False, on_failure="continue")
def p() -> None:
    workloads.load(3)
    workloads.nap(60)


try:
    p()
except RunFailedError as error:
    print("RESULT", error.run.status.value)
"""


@pytest.mark.parametrize("where", ["Engine._on_event = on_event", "LocalRuntime._finish = finish"])
@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_between_an_attempts_end_and_its_record_keeps_that_end(
    home, tmp_path, where, number
):
    """A stop landing after the runtime reaped an attempt but before the engine handled
    its end. Before: that end was dropped, the stop waited its whole 10 s grace for an
    exit already reaped, and the completed step 'load' was recorded 'cancelled: stopped
    (...); not reaped within 10s'."""
    import time

    started = time.monotonic()
    proc = start_orchestrator(home, tmp_path, ARRIVED.format(signal=number.name, where=where))
    stdout, _ = proc.communicate(timeout=60)
    took = time.monotonic() - started
    assert proc.returncode == -number, stdout
    run = Client(home).get_run("latest")
    assert run.steps["load"].status is StepStatus.COMPLETED, run.steps["load"].attempts
    assert run.steps["nap"].status is StepStatus.CANCELLED
    assert run.status is RunStatus.CANCELLED
    assert took < 10 + 5, f"the stop took {took:.1f}s"
    assert leftover_cgroups() == []


ARRIVED_LAST = ARRIVED.replace("    workloads.nap(60)\n", "")


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_as_the_last_step_ends_is_recorded_with_its_facts(home, tmp_path, number):
    """A stop landing after the last step's end arrived, before it was handled: every step
    completed, and the run is cancelled (it was stopped). Before: the stored run said
    cancelled without its stop (stop_requested false), so its own rules, read back from
    the record, said completed (the chaos suite's 'is cancelled but the rules say
    completed', seen in a fresh clone's suite)."""
    from dagwell.core.run_rules import run_status

    script = ARRIVED_LAST.format(signal=number.name, where="Engine._on_event = on_event")
    proc = start_orchestrator(home, tmp_path, script)
    stdout, _ = proc.communicate(timeout=60)
    run = Client(home).get_run("latest")
    assert run.steps["load"].status is StepStatus.COMPLETED, stdout
    assert run.status is RunStatus.CANCELLED
    statuses = [s.status for s in run.steps.values()]
    assert run_status(statuses, run.stop_requested) is run.status
