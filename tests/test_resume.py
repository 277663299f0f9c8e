"""An orchestrator killed with SIGKILL mid-run: its run is seen as orphaned, and
`dagwell runs resume` finishes it without re-running completed steps (or `runs stop`
ends it). Nothing is left running and no cgroup is left behind."""

import json
import os
import signal
import subprocess
import sys
from collections import Counter

from conftest import leftover_cgroups
from dagwell import Client
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus, StepStatus
from helpers import latest_run, pid_alive, start_orchestrator, wait_for

BODY = """
import sys, workloads
workloads.resumable(sys.argv[1], sys.argv[2])
"""


def start_and_kill(home, tmp_path):
    ledger, flag = tmp_path / "ledger", tmp_path / "flag"
    body = BODY.replace("sys.argv[1], sys.argv[2]", f"{str(ledger)!r}, {str(flag)!r}")
    proc = start_orchestrator(home, tmp_path, body)

    def b_running():
        run = latest_run(home)
        if run is None:
            return None
        done = {n for n, s in run.steps.items() if s.status is StepStatus.COMPLETED}
        b = run.steps["b"]
        if {"a", "c"} <= done and b.attempts and b.attempts[-1].external_id:
            return run
        return None

    run = wait_for(b_running, 30, "steps a and c done and b running")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    slow_pid = int(run.steps["b"].attempts[-1].external_id)
    # the step does not outlive its orchestrator (PR_SET_PDEATHSIG via the zygote)
    wait_for(lambda: not pid_alive(slow_pid), 10, "the orphaned attempt to die")
    return run, ledger, slow_pid


def dagwell_cli(home, *args):
    env = {**os.environ, "DAGWELL_HOME": str(home), "DAGWELL_PROGRESS": "0"}
    return subprocess.run(
        [sys.executable, "-m", "dagwell", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def start_ghost(run) -> int:
    """An attempt process the dead orchestrator launched but never recorded (regression:
    resuming used to crash on its leftover cgroup and leave it running)."""
    node = run.orchestrator["runtime"]["node_cgroup"]
    ghost_dir = os.path.join(node, "d.1")  # the very attempt the resumed run will start
    os.mkdir(ghost_dir)
    ghost = subprocess.Popen(["sleep", "300"], start_new_session=True)
    with open(os.path.join(ghost_dir, "cgroup.procs"), "w") as f:
        f.write(str(ghost.pid))
    return ghost.pid


def test_sigkilled_orchestrator_then_resume(home, tmp_path):
    run, ledger, slow_pid = start_and_kill(home, tmp_path)
    ghost_pid = start_ghost(run)
    shown = json.loads(dagwell_cli(home, "runs", "show", run.id, "--json").stdout)
    assert shown["orphaned"] is True and shown["status"] == "running"
    assert "orphaned" in dagwell_cli(home, "runs", "list").stdout

    out = dagwell_cli(home, "runs", "resume", run.id, "--json")
    assert out.returncode == 0, out.stderr + out.stdout
    resumed = json.loads(out.stdout)
    assert resumed["status"] == "completed" and resumed["orphaned"] is False

    final = Client(home).get_run(run.id)
    assert final.status is RunStatus.COMPLETED
    runs_per_step = Counter(ledger.read_text().split())
    assert runs_per_step == {"a": 1, "c": 1, "slow": 2, "d": 1}  # a and c were not re-run
    b = final.steps["b"]
    assert [a.status.value for a in b.attempts] == ["failed", "completed"]
    assert b.attempts[0].failure.kind is FailureKind.LOST and b.attempts[0].budget == "infra"
    assert b.output.load() == "a+slow"  # inputs from the first orchestrator's artifacts
    assert not pid_alive(slow_pid)
    assert not pid_alive(ghost_pid)
    assert leftover_cgroups() == []

    again = dagwell_cli(home, "runs", "resume", run.id)
    assert again.returncode == 2 and "already ended completed" in again.stderr


def test_sigkilled_orchestrator_then_stop(home, tmp_path):
    run, ledger, slow_pid = start_and_kill(home, tmp_path)
    out = dagwell_cli(home, "runs", "stop", run.id)
    assert out.returncode == 0, out.stderr
    final = Client(home).get_run(run.id)
    assert final.status is RunStatus.CANCELLED and not final.orphaned
    assert final.steps["a"].status is StepStatus.COMPLETED
    assert final.steps["b"].status is StepStatus.CANCELLED
    # b's attempt died with its orchestrator, before the stop: that is what it records
    # (before: "cancelled", "Attempt 1 was stopped.", as if the stop had ended it)
    [lost] = final.steps["b"].attempts
    assert lost.status.value == "failed" and lost.failure.kind is FailureKind.LOST
    assert "orchestrator died" in lost.failure.message
    assert lost.failure.message.endswith("Not retried: the run was stopped.")
    assert final.steps["d"].status is StepStatus.SKIPPED
    assert not pid_alive(slow_pid)
    assert leftover_cgroups() == []


def test_resume_refuses_a_live_run(home, tmp_path):
    proc = start_orchestrator(
        home,
        tmp_path,
        """
import workloads
workloads.sleepy(count=1, seconds=60)
""",
    )
    try:
        wait_for(
            lambda: dagwell_cli(home, "runs", "list", "--json").stdout.strip() not in ("", "[]"),
            30,
            "the run to appear",
        )
        out = dagwell_cli(home, "runs", "resume", "latest")
        assert out.returncode == 2 and "still has a live orchestrator" in out.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


QUICKSTART_SHAPED = """
import os
import time

from dagwell import pipeline, step


@step(enable_cache=False)
def first() -> int:
    return 1


@step(enable_cache=False)
def second(x: int) -> int:
    if os.environ["DAGWELL_ATTEMPT_NUMBER"] == "1":
        time.sleep(60)  # the orchestrator is killed meanwhile
    return x + 1


@pipeline(enable_cache=False)
def quickstart():
    second(first())


run = quickstart()  # as the README's quickstart: the script goes on to use its run
print(run.summary())
"""


def test_a_script_that_uses_its_run_is_resumed(home, tmp_path):
    """Before: resuming loads the script to find its steps, its pipeline call returns None
    there, `run.summary()` raised, and every step left failed as config_error
    (AttributeError: 'NoneType' object has no attribute 'summary')."""
    proc = start_orchestrator(home, tmp_path, QUICKSTART_SHAPED)
    run = wait_for(
        lambda: (
            (r := latest_run(home)) is not None
            and r.steps["second"].attempts
            and r.steps["second"].attempts[-1].external_id
            and r
        ),
        30,
        "the second step to run",
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    out = dagwell_cli(home, "runs", "resume", run.id, "--json")
    assert out.returncode == 0, out.stderr + out.stdout
    final = Client(home).get_run(run.id)
    assert final.status is RunStatus.COMPLETED
    assert final.steps["second"].output.load() == 2
    assert final.steps["second"].attempts[0].failure.kind is FailureKind.LOST
    assert leftover_cgroups() == []
