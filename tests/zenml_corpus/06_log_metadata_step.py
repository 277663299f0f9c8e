# docs: log metadata to a step, read it back from the run.
from dagwell import log_metadata, pipeline, step
from dagwell.client import Client


@step
def train_model(epochs: int = 3) -> float:
    accuracy = 0.9 + epochs / 100
    log_metadata(metadata={"evaluation_metrics": {"accuracy": accuracy, "epochs": epochs}})
    return accuracy


@pipeline
def metadata_pipeline():
    train_model()


if __name__ == "__main__":
    run = metadata_pipeline()
    step_run = Client().get_pipeline_run(run.id).steps["train_model"]
    assert step_run.run_metadata["evaluation_metrics"]["accuracy"] == 0.93
