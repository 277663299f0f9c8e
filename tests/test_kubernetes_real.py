"""Tier 4: a real cluster. With DAGWELL_TEST_KUBECONFIG (and DAGWELL_TEST_IMAGE, an image
with dagwell and these tests installed; DAGWELL_TEST_ARTIFACT_STORE, a store the pods and
this process share; optionally DAGWELL_TEST_NAMESPACE) it runs against your cluster;
without, against the local real control plane (the ``kube`` fixture), so it never skips."""

import os

import pytest

pytestmark = pytest.mark.kubeconfig
KUBECONFIG = os.environ.get("DAGWELL_TEST_KUBECONFIG")


@pytest.fixture
def target(request, home, tmp_path):
    """(kubeconfig, image, namespace, artifact store) of the cluster to run on."""
    if KUBECONFIG:
        return (
            KUBECONFIG,
            os.environ["DAGWELL_TEST_IMAGE"],
            os.environ.get("DAGWELL_TEST_NAMESPACE", "default"),
            os.environ["DAGWELL_TEST_ARTIFACT_STORE"],
        )
    cluster = request.getfixturevalue("kube")(nodes={"node-a": "4GB"})
    return cluster.admin_kubeconfig, "local", cluster.namespace, str(tmp_path / "shared")


def test_ml_pipeline_on_a_real_cluster(target):
    """Regression: StepRun.output() of a run read back from the store loaded from the home
    artifact store, not the run's own artifact_store=, so it failed on any real cluster."""
    import workloads
    from dagwell import Client, KubernetesOrchestrator

    kubeconfig, image, namespace, artifact_store = target
    orchestrator = KubernetesOrchestrator(
        kubeconfig=kubeconfig, image=image, namespace=namespace, artifact_store=artifact_store
    )
    run = workloads.ml.with_options(orchestrator=orchestrator, enable_cache=False)(n=3)
    assert run.status.value == "completed"
    assert run.steps["evaluate"].output.load() == {"score": 0.5}
    assert Client().get_run(run.id).steps["evaluate"].output.load() == {"score": 0.5}
