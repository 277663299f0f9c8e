"""The seed story on Kubernetes: ten 400 MB steps, one pod each, on a 1400 MB node.

With a cluster: set DAGWELL_KUBECONFIG (and DAGWELL_KUBERNETES_IMAGE, an image with this
file and dagwell installed, and DAGWELL_ARTIFACT_STORE, e.g. s3://bucket/dagwell, shared
by the pods). Without one, this starts a real Kubernetes control plane on this machine
(`make k8s-binaries` builds it once) with dagwell's kwok-style kubelet, which runs pods as
local processes (real cgroups when run as root), and runs there; without the binaries,
dagwell's fake API server stands in.

    python examples/seed_kubernetes.py
"""

import os
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


def main() -> None:
    kubeconfig = os.environ.get("DAGWELL_KUBECONFIG")
    if kubeconfig:
        run = simple_ml_pipeline.with_options(
            orchestrator=KubernetesOrchestrator(kubeconfig=kubeconfig)
        )()
        print(run.summary())
        return
    import tempfile
    from pathlib import Path

    from dagwell.testing.kube import ControlPlane, KubeCluster, KubeHarness
    from dagwell.testing.kube.control_plane import missing_binaries

    why = missing_binaries()
    if why:
        print(f"No DAGWELL_KUBECONFIG and no local control plane ({why}):")
        print("running on dagwell's fake Kubernetes API server (1400 MB node).")
        with KubeHarness(nodes={"node-a": "1400MB"}) as fake:
            run = simple_ml_pipeline.with_options(
                orchestrator=KubernetesOrchestrator(kubeconfig=fake.kubeconfig, image="local")
            )()
        print(run.summary())
        return
    with (
        tempfile.TemporaryDirectory(prefix="dagwell-seed-k8s-") as tmp,
        ControlPlane(Path(tmp) / "plane") as plane,
    ):
        workdir = Path(tmp)
        print(f"No DAGWELL_KUBECONFIG: a local Kubernetes {plane.version()} control plane")
        print(f"started in {plane.startup_seconds:.1f}s; one 1400 MB node.")
        with KubeCluster(plane, {"node-a": "1400MB"}, workdir=workdir / "cluster") as cluster:
            run = simple_ml_pipeline.with_options(
                orchestrator=KubernetesOrchestrator(
                    kubeconfig=cluster.kubeconfig, namespace=cluster.namespace, image="local"
                )
            )()
        print(run.summary())


if __name__ == "__main__":
    main()
