# ZenML's own integration test of its public API (tests/integration/functional/artifacts/
# test_utils.py, test_register_artifact), as a script, with the other two save types: how a
# version came to be is its save_type (ArtifactSaveType from zenml.enums). Before:
# ArtifactSaveType was not importable and versions had no save_type.
import os

from typing_extensions import Annotated

from dagwell import pipeline, register_artifact, save_artifact, step
from dagwell.client import Client
from dagwell.enums import ArtifactSaveType


@step
def produce() -> Annotated[int, "produced"]:
    save_artifact(2, "saved_in_step")
    return 1


@pipeline(enable_cache=False)
def producing():
    produce()


if __name__ == "__main__":
    client = Client()
    folder = os.path.join(client.active_stack.artifact_store.path, "test_folder")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "test.txt"), "w") as f:
        f.write("test")
    register_artifact(folder_or_file_uri=folder, name="test_folder")
    registered = client.get_artifact_version(name_id_or_prefix="test_folder", version=1)
    assert registered.uri == folder
    assert registered.save_type == ArtifactSaveType.PREEXISTING
    assert (registered.load() / "test.txt").read_text() == "test"

    save_artifact(42, "meaning_of_life")
    assert client.get_artifact_version("meaning_of_life").save_type == ArtifactSaveType.MANUAL

    run = producing()
    assert run.steps["produce"].outputs["produced"][0].save_type == "step_output"
    assert client.get_artifact_version("produced").save_type == ArtifactSaveType.STEP_OUTPUT
    assert client.get_artifact_version("saved_in_step").save_type == ArtifactSaveType.MANUAL
