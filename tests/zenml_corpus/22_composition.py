# docs: compose pipelines: a pipeline calling another pipeline.
from dagwell import pipeline, step


@step
def data_loader() -> list:
    return [1, 2, 3]


@step
def trainer(data: list) -> int:
    return sum(data)


@pipeline
def data_loading_pipeline():
    data = data_loader()
    return data


@pipeline
def training_pipeline():
    data = data_loading_pipeline()
    trainer(data=data)


if __name__ == "__main__":
    run = training_pipeline()
    assert run.steps["trainer"].output.load() == 6
