"""Stopping runs: `dagwell runs stop` from another process, and Ctrl-C in the orchestrator.

Running attempts' process trees are killed and recorded cancelled, what had not started
is skipped, the run ends cancelled, and no process or cgroup is left behind.
"""

import json
import os
import signal
import subprocess
import sys

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
