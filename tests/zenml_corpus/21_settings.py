# docs: Docker and Kubernetes orchestrator settings on a pipeline (run locally).
import warnings

from dagwell import pipeline, step
from dagwell.config import DockerSettings
from dagwell.integrations.kubernetes.flavors import KubernetesOrchestratorSettings
from dagwell.integrations.kubernetes.pod_settings import KubernetesPodSettings

docker_settings = DockerSettings(requirements=["scikit-learn"], parent_image="python:3.11")
k8s_settings = KubernetesOrchestratorSettings(
    pod_settings=KubernetesPodSettings(
        node_selectors={"cloud.google.com/gke-nodepool": "ml-pool"},
        tolerations=[
            {"key": "gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}
        ],
        resources={"requests": {"cpu": "1", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
        annotations={"team": "ml"},
    )
)


@step(settings={"orchestrator.kubernetes": k8s_settings})
def train() -> int:
    return 42


@pipeline(settings={"docker": docker_settings})
def settings_pipeline():
    train()


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    run = settings_pipeline()
    assert run.steps["train"].output.load() == 42
