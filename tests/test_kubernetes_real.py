"""Tier 4: a real cluster. Runs only when DAGWELL_TEST_KUBECONFIG points at one (and
DAGWELL_TEST_IMAGE names an image with dagwell and these tests installed); no cluster can
run on the machines this project is developed and tested on, so it is skipped there."""

import os

import pytest

pytestmark = pytest.mark.kubeconfig
KUBECONFIG = os.environ.get("DAGWELL_TEST_KUBECONFIG")


@pytest.mark.skipif(
    not KUBECONFIG,
    reason="real-cluster tier: set DAGWELL_TEST_KUBECONFIG "
    "(and DAGWELL_TEST_IMAGE, DAGWELL_TEST_ARTIFACT_STORE) to run it",
)
def test_ml_pipeline_on_a_real_cluster(home):
    import workloads
    from dagwell import KubernetesOrchestrator

    orchestrator = KubernetesOrchestrator(
        kubeconfig=KUBECONFIG,
        image=os.environ["DAGWELL_TEST_IMAGE"],
        namespace=os.environ.get("DAGWELL_TEST_NAMESPACE", "default"),
        artifact_store=os.environ["DAGWELL_TEST_ARTIFACT_STORE"],
    )
    run = workloads.ml.with_options(orchestrator=orchestrator, enable_cache=False)(n=3)
    assert run.status.value == "completed"
    assert run.steps["evaluate"].output() == {"score": 0.5}
