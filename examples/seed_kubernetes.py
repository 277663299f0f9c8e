"""The seed story on Kubernetes: ten 400 MB steps, one pod each, on a 1400 MB node.

With a cluster: set DAGWELL_KUBECONFIG (and DAGWELL_KUBERNETES_IMAGE, an image with this
file and dagwell installed; DAGWELL_ARTIFACT_STORE, e.g. s3://bucket/dagwell, shared by the
pods; optionally DAGWELL_KUBERNETES_NAMESPACE, default "default"). Without one, this starts
a real Kubernetes control plane on this machine (`make k8s-binaries` builds it once) with
dagwell's kwok-style kubelet, which runs pods as local processes (real cgroups, so real OOM
kills, when run as root), and runs there.

    python examples/seed_kubernetes.py
"""

import os
import sys
import time

from dagwell import KubernetesOrchestrator, StepRetryConfig, pipeline, step

MB = 10**6


@step(retry=StepRetryConfig(max_retries=3, delay=0.5, backoff=2.0))
def wait() -> None:
    block = bytearray(400 * MB)  # bytearray zeroes its memory: all 400 MB are touched
    time.sleep(1.0)
    del block


@pipeline(enable_cache=False)
def simple_ml_pipeline() -> None:
    for _ in range(10):
        wait()


def run_on(kubeconfig: str, namespace: str, image: str | None = None) -> None:
    orchestrator = KubernetesOrchestrator(kubeconfig=kubeconfig, namespace=namespace, image=image)
    run = simple_ml_pipeline.with_options(orchestrator=orchestrator)()
    print(run.summary())


def main() -> None:
    kubeconfig = os.environ.get("DAGWELL_KUBECONFIG")
    if kubeconfig:
        namespace = os.environ.get("DAGWELL_KUBERNETES_NAMESPACE", "default")
        print(f"On the cluster of DAGWELL_KUBECONFIG ({kubeconfig}), namespace {namespace}.")
        run_on(kubeconfig, namespace)
        return
    import tempfile
    from pathlib import Path

    from dagwell.testing.kube import ControlPlane, KubeCluster
    from dagwell.testing.kube.control_plane import missing_binaries

    why = missing_binaries()
    if why:
        sys.exit(
            f"No DAGWELL_KUBECONFIG and no local control plane: {why}.\n"
            "Set DAGWELL_KUBECONFIG to run on your cluster, or build the local one."
        )
    with (
        tempfile.TemporaryDirectory(prefix="dagwell-seed-k8s-") as tmp,
        ControlPlane(Path(tmp) / "plane") as plane,
    ):
        print(f"No DAGWELL_KUBECONFIG: a local Kubernetes {plane.version()} control plane")
        print(f"started in {plane.startup_seconds:.1f}s; one 1400 MB node.")
        with KubeCluster(plane, {"node-a": "1400MB"}, workdir=Path(tmp) / "cluster") as cluster:
            run_on(cluster.kubeconfig, cluster.namespace, image="local")


if __name__ == "__main__":
    main()
