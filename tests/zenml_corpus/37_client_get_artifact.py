# Shape of ZenML's docs "Fetching pipelines" > "Fetching artifacts directly": an artifact
# through Client().get_artifact(name), its .versions by version name, the same version by
# name and version and by id; plus the pipeline > runs > steps walk of that page
# (get_pipeline, list_pipelines, .runs, .last_successful_run). Passes on ZenML 0.98.
from typing_extensions import Annotated

from dagwell import pipeline, step
from dagwell.client import Client


@step
def make_dataset(rows: int) -> Annotated[list, "iris_like"]:
    return list(range(rows))


@pipeline(enable_cache=False)
def dataset_pipeline(rows: int = 3):
    make_dataset(rows)


if __name__ == "__main__":
    dataset_pipeline(rows=3)
    dataset_pipeline(rows=5)
    client = Client()
    artifact = client.get_artifact("iris_like")
    assert artifact.name == "iris_like" and set(artifact.versions) == {"1", "2"}
    assert artifact.versions["1"].load() == [0, 1, 2]
    assert artifact.latest_version_name == "2"
    by_name = client.get_artifact_version("iris_like", "2")
    by_id = client.get_artifact_version(str(by_name.id))
    assert by_id.load() == [0, 1, 2, 3, 4] and by_id.id == by_name.id

    found = client.get_pipeline("dataset_pipeline")
    assert "dataset_pipeline" in [p.name for p in client.list_pipelines()]
    runs = found.runs
    assert len(runs) == 2 and runs[0].id == found.last_run.id
    assert found.last_successful_run.id == runs[0].id
    step_run = runs[1].steps["make_dataset"]
    assert step_run.config.parameters["rows"] == 3
    assert step_run.outputs["iris_like"][0].load() == [0, 1, 2]
