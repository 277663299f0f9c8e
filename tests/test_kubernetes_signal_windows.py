"""A stop signal to a real orchestrator process while its Kubernetes runtime, in the
engine's thread, is between knowing of an attempt's end and handing it on: the end must
not be dropped (the attempt recorded 'cancelled; not reaped' though its pod completed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from dagwell import Client
from dagwell.core.statuses import StepStatus
from dagwell.testing.kube import Hold
from helpers import wait_for
from test_kubernetes import TESTS, assert_nothing_left, running_step_pods, step_pods

pytestmark = pytest.mark.kube

ORCHESTRATOR = """
import sys
sys.path.insert(0, {tests!r})
import workloads
from dagwell import KubernetesOrchestrator
o = KubernetesOrchestrator(
    kubeconfig={kubeconfig!r}, namespace={namespace!r}, image="local", resync_interval=2
)
workloads.gated_steps.with_options(orchestrator=o)({gate!r})
"""


def test_a_sigterm_while_a_relist_ends_an_attempt_keeps_that_end(home, kube, tmp_path):
    """Regression: an end the engine's thread noticed (a re-list seeing the pod succeed,
    the watch silent) was marked ended, then its log drained (up to 5 s) before it was
    queued, where a stop may cut (signal_shield.unshielded): a SIGTERM there dropped it.
    The stop then waited its 10 s grace for the pod, which had ended, and recorded the
    completed step 'cancelled; not reaped within 10s'."""
    cluster = kube(nodes={"node-a": "1400MB"})
    gate = tmp_path / "gate"
    script = tmp_path / "k8s_orchestrator.py"
    script.write_text(
        ORCHESTRATOR.format(
            tests=str(TESTS),
            kubeconfig=cluster.kubeconfig,
            namespace=cluster.namespace,
            gate=str(gate),
        )
    )
    # the log's follow is held: at the end, the engine's thread drains it for 5 s
    follow = cluster.proxy.hold(Hold(method="GET", path="/log$", timeout=90))
    proc = subprocess.Popen(
        [sys.executable, str(script)], env={**os.environ, "DAGWELL_PROGRESS": "0"}
    )
    try:
        wait_for(lambda: running_step_pods(cluster), 60, "the step's pod running")
        wait_for(follow.held.is_set, 30, "the log's follow held")
        wait_for(
            lambda: Client().get_run("latest").steps["gated"].status is StepStatus.RUNNING,
            30,
            "the step recorded running",
        )
        with cluster.proxy.holding_watches(timeout=90):  # (only re-lists see the end)
            gate.touch()
            wait_for(
                lambda: [p for p in step_pods(cluster) if p["status"].get("phase") == "Succeeded"],
                30,
                "the pod succeeded",
            )
            lists = cluster.proxy.count("GET", "/pods$", 200)
            wait_for(
                lambda: cluster.proxy.count("GET", "/pods$", 200) > lists,
                30,
                "a re-list that shows it",
            )
            proc.send_signal(signal.SIGTERM)  # (in the 5 s its log is drained)
            proc.wait(60)
    finally:
        follow.release()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    run = Client().get_run("latest")
    step = run.steps["gated"]
    [attempt] = step.attempts
    assert step.status is StepStatus.COMPLETED, attempt.failure
    assert proc.returncode == -signal.SIGTERM
    assert_nothing_left(cluster)
