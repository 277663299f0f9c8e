# docs: register files already written as an artifact; fileio to write them.
import os
import tempfile

from dagwell import register_artifact
from dagwell.client import Client
from dagwell.io import fileio

if __name__ == "__main__":
    folder = os.path.join(tempfile.mkdtemp(), "my_folder")
    fileio.makedirs(folder)
    with fileio.open(os.path.join(folder, "data.txt"), "w") as f:
        f.write("hello")
    register_artifact(folder_or_file_uri=folder, name="my_folder_artifact")
    artifact = Client().get_artifact_version("my_folder_artifact")
    assert artifact.uri == folder
    assert fileio.listdir(artifact.uri) == ["data.txt"]
