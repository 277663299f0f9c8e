# docs: "Register Existing Data as a ZenML Artifact"
# (https://docs.zenml.io/how-to/handle-data-artifacts/registering-existing-data), the folder
# example, with asserts on what ZenML 0.98's register_artifact gives (artifacts/utils.py,
# artifacts/preexisting_data_materializer.py): the version's uri is the folder itself (in
# place, nothing copied), a folder outside the artifact store is refused, a uri registers
# once. Passes on ZenML 0.98 unchanged (imports back to zenml).
import os
from pathlib import Path
from uuid import uuid4

from dagwell import register_artifact
from dagwell.client import Client

if __name__ == "__main__":
    prefix = Client().active_stack.artifact_store.path
    test_file_name = "test_file.txt"
    preexisting_folder = os.path.join(prefix, f"my_test_folder_{uuid4()}")
    preexisting_file = os.path.join(preexisting_folder, test_file_name)

    # produce a folder with a file inside artifact store boundaries
    os.mkdir(preexisting_folder)
    with open(preexisting_file, "w") as f:
        f.write("test")

    # create artifact from the preexisting folder
    register_artifact(folder_or_file_uri=preexisting_folder, name="my_folder_artifact")

    # consume artifact as a folder
    artifact = Client().get_artifact_version(name_id_or_prefix="my_folder_artifact")
    assert artifact.uri == preexisting_folder
    temp_artifact_folder_path = artifact.load()
    assert isinstance(temp_artifact_folder_path, Path)
    assert os.path.isdir(temp_artifact_folder_path)
    assert str(temp_artifact_folder_path) != preexisting_folder  # a copy
    with open(os.path.join(temp_artifact_folder_path, test_file_name)) as f:
        assert f.read() == "test"

    # the data stays where it is: a change there is what the next load sees
    with open(preexisting_file, "w") as f:
        f.write("changed")
    again = Client().get_artifact_version("my_folder_artifact").load()
    assert (again / test_file_name).read_text() == "changed"

    # a single file, and the rules: once per uri, only inside the artifact store
    single = os.path.join(prefix, f"my_file_{uuid4()}.txt")
    with open(single, "w") as f:
        f.write("one")
    version = register_artifact(folder_or_file_uri=single, name="my_file_artifact")
    loaded = Client().get_artifact_version("my_file_artifact").load()
    assert loaded.read_text() == "one" and loaded.name == os.path.basename(single)
    try:
        register_artifact(folder_or_file_uri=single, name="other_name")
        raise AssertionError("a uri registered twice must be refused")
    except RuntimeError as error:
        assert "already used by artifact my_file_artifact" in str(error)
    try:
        register_artifact(folder_or_file_uri="/tmp", name="outside")
        raise AssertionError("a folder outside the artifact store must be refused")
    except FileNotFoundError as error:
        assert "outside of artifact store bounds" in str(error)
