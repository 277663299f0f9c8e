# docs: save_artifact / load_artifact between pipelines.
from dagwell import load_artifact, pipeline, save_artifact, step


@step
def producer() -> None:
    save_artifact(data={"threshold": 0.7}, name="config_artifact", tags=["config"])


@step
def consumer() -> float:
    config = load_artifact("config_artifact")
    return config["threshold"]


@pipeline
def producer_pipeline():
    producer()


@pipeline
def consumer_pipeline():
    consumer()


if __name__ == "__main__":
    producer_pipeline()
    run = consumer_pipeline()
    assert run.steps["consumer"].output.load() == 0.7
