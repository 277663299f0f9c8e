# docs.zenml.io stack-components/orchestrators/kubernetes (settings), containerize-your-pipeline
from zenml import pipeline, step
from zenml.config import DockerSettings, ResourceSettings
from zenml.integrations.kubernetes.flavors import KubernetesOrchestratorSettings
from zenml.integrations.kubernetes.pod_settings import KubernetesPodSettings

k8s_settings = KubernetesOrchestratorSettings(
    pod_settings=KubernetesPodSettings(
        node_selectors={"node.kubernetes.io/name": "ml"},
        tolerations=[{"key": "gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}],
        annotations={"team": "ml"},
        labels={"app": "trainer"},
    ),
    service_account_name="zenml-sa",
)
docker_settings = DockerSettings(requirements=["scikit-learn"])


@step(settings={"orchestrator.kubernetes": k8s_settings, "resources": ResourceSettings(memory="200MB")})
def train() -> int:
    return 3


@pipeline(settings={"docker": docker_settings})
def settings_pipeline():
    train()


if __name__ == "__main__":
    run = settings_pipeline()
    assert run.steps["train"].output.load() == 3
