# docs.zenml.io how-to/pipeline-development/use-configuration-files (with_options, parameters)
from zenml import pipeline, step


@step
def svc_trainer(gamma: float = 0.001) -> float:
    return gamma


@pipeline
def training_pipeline(gamma: float = 0.002):
    svc_trainer(gamma=gamma)


if __name__ == "__main__":
    run = training_pipeline.with_options(enable_cache=False)(gamma=0.0001)
    assert run.steps["svc_trainer"].config.parameters["gamma"] == 0.0001
    run2 = training_pipeline()
    assert run2.steps["svc_trainer"].output.load() == 0.002
