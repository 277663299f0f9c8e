# ZenML's own integration tests of its public API (tests/integration/functional/artifacts/
# test_utils.py: test_download_artifact_files_from_response, ..._fails_if_exists,
# ..._with_large_file), as a script: artifact_version.download_files(path) writes the
# artifact's files, unloaded, as a zip: data.json for a number, a materializer's own files,
# the files of a folder registered in place. Before: 'ArtifactVersion' object has no
# attribute 'download_files'.
import json
import os
import tempfile
import zipfile
from typing import Type

from dagwell import load_artifact, pipeline, register_artifact, save_artifact, step
from dagwell.client import Client
from dagwell.materializers.base_materializer import BaseMaterializer


class Greeting:
    def __init__(self, text: str) -> None:
        self.text = text


class GreetingMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (Greeting,)

    def load(self, data_type: Type[Greeting]) -> Greeting:
        with self.artifact_store.open(os.path.join(self.uri, "greeting.json"), "r") as f:
            return Greeting(json.load(f)["text"])

    def save(self, data: Greeting) -> None:
        with self.artifact_store.open(os.path.join(self.uri, "greeting.json"), "w") as f:
            json.dump({"text": data.text}, f)


@step
def constant() -> int:
    return 7


@step
def greet() -> Greeting:
    return Greeting("hello")


@pipeline(enable_cache=False)
def downloads():
    constant()
    greet()


def unzipped(path: str) -> dict:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


if __name__ == "__main__":
    client = Client()
    run = downloads()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "some_file.zip")
        run.steps["constant"].output.download_files(path=path)
        assert unzipped(path) == {"data.json": b"7"}

        with open(path, "w") as f:
            f.write("hello aria, blupus and axl")
        try:
            run.steps["constant"].output.download_files(path=path)
        except FileExistsError:
            pass
        else:
            raise AssertionError("an existing file was overwritten")
        run.steps["constant"].output.download_files(path=path, overwrite=True)
        assert unzipped(path) == {"data.json": b"7"}
        try:
            run.steps["constant"].output.download_files(path=os.path.join(tmp, "x.tar"))
        except ValueError:
            pass
        else:
            raise AssertionError("a path not ending in .zip was accepted")

        greeting = os.path.join(tmp, "greeting.zip")
        run.steps["greet"].output.download_files(path=greeting)
        assert json.loads(unzipped(greeting)["greeting.json"]) == {"text": "hello"}

        large_data = b"X" * 1_000_000 + b"Y" * 1_000_000 + b"Z" * 500_000
        save_artifact(large_data, name="large_test_artifact")
        large = os.path.join(tmp, "large_artifact.zip")
        client.get_artifact_version("large_test_artifact").download_files(path=large)
        (content,) = unzipped(large).values()
        assert len(content) > 1_000_000
        assert load_artifact("large_test_artifact") == large_data

        folder = os.path.join(client.active_stack.artifact_store.path, "test_folder")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "test.txt"), "w") as f:
            f.write("test")
        register_artifact(folder_or_file_uri=folder, name="test_folder")
        registered = os.path.join(tmp, "registered.zip")
        client.get_artifact_version("test_folder").download_files(path=registered)
        assert unzipped(registered) == {"test.txt": b"test"}
