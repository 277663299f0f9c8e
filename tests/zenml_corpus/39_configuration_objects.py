# Shape of ZenML's docs "How to configure a pipeline with a YAML" and "Configuration
# hierarchy" (how-to/pipeline-development/use-configuration-files/): pipeline parameters
# and a step's enable_cache from a YAML file, and `.configuration` of a step and of a
# pipeline read as objects (`.settings["resources"]`, `.enable_cache`). Passes on ZenML 0.98.
import os
import tempfile

from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.config import ResourceSettings

CONFIG = """
enable_cache: False
parameters:
  dataset_name: "best_dataset"
steps:
  load_data:
    enable_cache: False
"""


@step
def load_data(dataset_name: str) -> dict:
    return {"name": dataset_name}


@step(settings={"resources": ResourceSettings(gpu_count=1, memory="2GB")})
def train_model(data: dict) -> None:
    pass


@pipeline
def simple_ml_pipeline(dataset_name: str):
    load_data(dataset_name)


@pipeline(settings={"resources": ResourceSettings(cpu_count=2, memory="1GB")})
def hierarchy_pipeline():
    train_model(load_data("x"))


if __name__ == "__main__":
    path = os.path.join(tempfile.mkdtemp(), "config.yaml")
    with open(path, "w") as f:
        f.write(CONFIG)
    run = simple_ml_pipeline.with_options(config_path=path)()
    assert run.steps["load_data"].output.load() == {"name": "best_dataset"}
    used = Client().get_pipeline_run(run.name).steps["load_data"].config
    assert used.parameters == {"dataset_name": "best_dataset"}

    step_resources = train_model.configuration.settings["resources"]
    assert step_resources.gpu_count == 1 and step_resources.memory == "2GB"
    pipeline_resources = hierarchy_pipeline.configuration.settings["resources"]
    assert pipeline_resources.cpu_count == 2 and pipeline_resources.memory == "1GB"
    assert load_data.configuration.enable_cache is None
    assert simple_ml_pipeline.with_options(enable_cache=False).configuration.enable_cache is False
