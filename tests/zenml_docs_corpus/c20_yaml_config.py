# docs.zenml.io how-to/pipeline-development/use-configuration-files/what-can-be-configured
import pathlib

from zenml import pipeline, step

pathlib.Path("config.yaml").write_text(
    """
enable_cache: False
parameters:
  gamma: 0.01
run_name: "training_run_{date}_{time}"
steps:
  svc_trainer:
    enable_cache: False
    parameters:
      kernel: rbf
    settings:
      resources:
        memory: 200MB
"""
)


@step
def svc_trainer(gamma: float = 0.001, kernel: str = "linear") -> str:
    return f"{kernel}:{gamma}"


@pipeline
def training_pipeline(gamma: float = 0.002):
    svc_trainer(gamma=gamma)


if __name__ == "__main__":
    run = training_pipeline.with_options(config_path="config.yaml")()
    assert run.steps["svc_trainer"].output.load() == "rbf:0.01"
    assert run.name.startswith("training_run_")
