# docs.zenml.io user-guide/starter-guide/manage-artifacts (saving inside a step)
from zenml import pipeline, save_artifact, step
from zenml.client import Client


@step
def my_step() -> None:
    for epoch in range(3):
        save_artifact({"epoch": epoch, "w": epoch * 0.5}, name="checkpoint")


@pipeline
def checkpoint_pipeline():
    my_step()


if __name__ == "__main__":
    checkpoint_pipeline()
    latest = Client().get_artifact_version("checkpoint")
    assert latest.load()["epoch"] == 2
    versions = Client().list_artifact_versions(name="checkpoint")
    assert len(versions) >= 3
