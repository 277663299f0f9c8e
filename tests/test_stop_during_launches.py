"""A stop signal landing while the engine starts a batch of admitted attempts.

The scheduler admits several steps at once (a fan-out), marks each running, and the engine
then launches them one by one. A stop landing after the first launch left the others
admitted but never launched: the stop asked the runtime to kill attempts it had never
heard of and waited its whole grace (10 s) for their ends (11 s for this test's run).
Now those never started end at once, recorded as stopped before they
started. The attempt that was launched is recorded as well: its start had reached the
store's batch after the runtime's news of it, and the merged write lost the row. The
signal is real, sent by the orchestrator to itself right after its first
launch returns.
"""

import signal
import time

import pytest

from conftest import leftover_cgroups
from dagwell import Client
from dagwell.core.statuses import RunStatus, StepStatus
from helpers import start_orchestrator

BATCH = """
import os, signal
import workloads
from dagwell import LocalOrchestrator
from dagwell.runtimes.local import LocalRuntime

fired = []
original = LocalRuntime.launch

def launch(self, *args, **kwargs):
    external_id = original(self, *args, **kwargs)
    if not fired:
        fired.append(True)
        os.kill(os.getpid(), signal.{signal})  # lands between the batch's launches
    return external_id

LocalRuntime.launch = launch
orchestrator = LocalOrchestrator(max_parallelism=4)
workloads.sleepy.with_options(orchestrator=orchestrator)(count=4, seconds=30)
"""


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_between_a_batchs_launches_ends_the_unlaunched_at_once(
    home, tmp_path, cgroups, number
):
    started = time.monotonic()
    proc = start_orchestrator(home, tmp_path, BATCH.format(signal=number.name))
    stdout, _ = proc.communicate(timeout=60)
    took = time.monotonic() - started
    assert proc.returncode == -number, stdout
    run = Client(home).get_run("latest")
    assert run.status is RunStatus.CANCELLED and run.stop_requested
    messages = [a.failure.message for s in run.steps.values() for a in s.attempts if a.failure]
    assert not [m for m in messages if "not reaped" in m], (messages, took)
    # the one launched was killed and is recorded too (its news had reached the batch
    # before its start, and the merged write updated a row nobody had inserted)
    assert [len(s.attempts) for s in run.steps.values()] == [1, 1, 1, 1], messages
    statuses = sorted(s.status.value for s in run.steps.values())
    assert set(statuses) == {StepStatus.CANCELLED.value}, (statuses, messages)
    assert any("before it started" in m for m in messages), messages
    assert leftover_cgroups() == []
