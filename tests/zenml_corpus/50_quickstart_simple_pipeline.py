# ZenML's examples/quickstart (pipelines/simple_pipeline.py and steps/simple_step.py) in its
# batch mode: the pipeline carries Docker and deployment settings, a call just runs it.
# Before: importing DeploymentSettings and CORSConfig was an ImportError.
from typing import Annotated, Optional

from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.config import CORSConfig, DeploymentSettings, DockerSettings


@step
def simple_step(name: Optional[str] = None) -> str:
    if name:
        message = f"Hello {name}! Welcome to ZenML 🚀"
    else:
        message = "Hello from ZenML! 🚀"
    print(message)
    return message


docker_settings = DockerSettings(
    requirements="requirements.txt",
)

deployment_settings = DeploymentSettings(
    app_title="Simple Pipeline",
    cors=CORSConfig(allow_origins=["*"]),
)


@pipeline(
    settings={
        "docker": docker_settings,
        "deployment": deployment_settings,
    },
    enable_cache=False,
)
def simple_pipeline(name: Optional[str] = None) -> Annotated[str, "greeting"]:
    greeting = simple_step(name=name)
    return greeting


if __name__ == "__main__":
    run = Client().get_pipeline_run(simple_pipeline(name="Alice").id)
    assert run.steps["simple_step"].output.load() == "Hello Alice! Welcome to ZenML 🚀"
    assert simple_pipeline().steps["simple_step"].output.load() == "Hello from ZenML! 🚀"
