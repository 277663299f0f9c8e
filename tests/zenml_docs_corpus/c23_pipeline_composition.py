# docs.zenml.io how-to/pipeline-development/build-pipelines/compose-pipelines
from zenml import pipeline, step


@step
def loading_data() -> list:
    return [1, 2, 3]


@step
def training_model(data: list) -> int:
    return sum(data)


@pipeline
def data_loading_pipeline():
    data = loading_data()
    return data


@pipeline
def training_pipeline():
    data = data_loading_pipeline()
    training_model(data=data)


if __name__ == "__main__":
    run = training_pipeline()
    assert run.steps["training_model"].output.load() == 6
