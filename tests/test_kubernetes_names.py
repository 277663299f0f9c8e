"""Step ids that are no Kubernetes names, against the real API server's validation: too
long for a pod name or a label value (63), upper case, punctuation, non-ASCII, alike
but for their tails. Each step must get a valid pod of its own and run once."""

from __future__ import annotations

import pytest

import workloads
from dagwell import pipeline
from dagwell.core.statuses import RunStatus
from dagwell.kubernetes.pods import LABEL_STEP
from test_kubernetes import assert_nothing_left, orchestrator

pytestmark = pytest.mark.kube

IDS = (
    "preprocess_" + "x" * 90 + "_1",  # alike for 100 characters, past any name's limit
    "preprocess_" + "x" * 90 + "_2",
    "Données étape 1",  # non-ASCII and a space
    "-_.trim.me._-",  # nothing alphanumeric at either end
    "UPPER.Case",
)


def test_step_ids_that_are_no_kubernetes_names_each_get_a_valid_pod(home, kube):
    cluster = kube(nodes={"node-a": "1400MB"})

    @pipeline(enable_cache=False)
    def names():
        for step_id in IDS:
            workloads.nap(0.1, id=step_id)

    run = names.with_options(orchestrator=orchestrator(cluster))()
    assert run.status is RunStatus.COMPLETED
    assert {s: len(run.steps[s].attempts) for s in run.steps} == dict.fromkeys(IDS, 1)
    pods = {a.external_id for s in run.steps.values() for a in s.attempts}
    assert len(pods) == len(IDS) and all(len(p) <= 63 for p in pods), pods
    labels = {b["metadata"]["labels"][LABEL_STEP] for b in cluster.proxy.created if "metadata" in b}
    assert len(labels) == len(IDS) and all(len(v) <= 63 for v in labels), labels
    assert_nothing_left(cluster)
