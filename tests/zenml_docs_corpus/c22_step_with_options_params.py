# docs.zenml.io (step parameters set with with_options(parameters=...))
from zenml import pipeline, step


@step
def scale(x: int, factor: int = 1) -> int:
    return x * factor


@step
def load() -> int:
    return 5


@pipeline
def scaling_pipeline():
    scale.with_options(parameters={"factor": 3})(load())


if __name__ == "__main__":
    run = scaling_pipeline()
    assert run.steps["scale"].output.load() == 15
    assert run.steps["scale"].config.parameters["factor"] == 3
