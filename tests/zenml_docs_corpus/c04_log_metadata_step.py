# docs.zenml.io how-to/model-management-metrics/track-metrics-metadata/attach-metadata-to-steps
from zenml import log_metadata, pipeline, step
from zenml.client import Client


@step
def train_model(dataset: list) -> float:
    accuracy = sum(dataset) / len(dataset)
    log_metadata(
        metadata={"evaluation_metrics": {"accuracy": accuracy, "precision": 0.5}}
    )
    return accuracy


@step
def load() -> list:
    return [1, 0, 1, 1]


@pipeline
def metadata_pipeline():
    train_model(load())


if __name__ == "__main__":
    metadata_pipeline()
    run = Client().get_pipeline("metadata_pipeline").last_run
    step = run.steps["train_model"]
    print(step.run_metadata["evaluation_metrics"])
    assert step.run_metadata["evaluation_metrics"]["accuracy"] == 0.75
