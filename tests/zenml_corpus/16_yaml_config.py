# docs: configure a pipeline with a YAML file.
import os
import tempfile

from dagwell import pipeline, step

CONFIG = """
enable_cache: False
parameters:
  dataset_name: iris
steps:
  trainer:
    parameters:
      gamma: 0.01
    enable_cache: False
settings:
  resources:
    memory: "500MB"
"""


@step
def loader(dataset_name: str) -> str:
    return dataset_name


@step
def trainer(data: str, gamma: float = 0.001) -> str:
    return f"{data}:{gamma}"


@pipeline
def training_pipeline(dataset_name: str = "default"):
    data = loader(dataset_name)
    trainer(data)


if __name__ == "__main__":
    path = os.path.join(tempfile.mkdtemp(), "config.yaml")
    with open(path, "w") as f:
        f.write(CONFIG)
    run = training_pipeline.with_options(config_path=path)()
    assert run.steps["trainer"].output.load() == "iris:0.01"
