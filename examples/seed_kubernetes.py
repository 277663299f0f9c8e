"""The seed story on Kubernetes: ten 400 MB steps, one pod each, on a 1400 MB node.

With a cluster: set DAGWELL_KUBECONFIG (and DAGWELL_KUBERNETES_IMAGE, an image with this
file and dagwell installed, and DAGWELL_ARTIFACT_STORE, e.g. s3://bucket/dagwell, shared
by the pods). Without one, this starts dagwell's Kubernetes test harness (a fake API
server and kubelet on this machine, real cgroups when run as root) and runs there.

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
    from dagwell.testing.kube import KubeHarness

    print("No DAGWELL_KUBECONFIG: running on dagwell's local Kubernetes harness (1400 MB node).")
    with KubeHarness(nodes={"node-a": "1400MB"}) as cluster:
        run = simple_ml_pipeline.with_options(
            orchestrator=KubernetesOrchestrator(kubeconfig=cluster.kubeconfig, image="local")
        )()
        print(run.summary())


if __name__ == "__main__":
    main()
