"""Artifact and model names too long to be a file name once encoded.

The registry keeps each named version as a document whose path holds the name, base64
encoded. Before: a name of 300 characters (or 70 CJK ones, 3 bytes each) made a path
part longer than the 255 bytes a file name may have, and the step that saved it failed
as its own error, "OSError: [Errno 36] File name too long". Such a name's part is now its
hash, and its documents say the name.
"""

from typing import Annotated

import pytest

from dagwell import Client, Model, pipeline, save_artifact, step

NAMES = {"ascii-300": "a" * 300, "cjk-70": "名" * 70}


def _pipeline(name: str, own: str):
    @step(enable_cache=False)
    def make() -> Annotated[int, name]:
        return 1

    @step(enable_cache=False)
    def saver() -> int:
        save_artifact(5, name=name, version=own)
        return 1

    @pipeline(enable_cache=False, model=Model(name=name))
    def long_names() -> None:
        make()
        saver()

    return long_names


@pytest.mark.parametrize("which", list(NAMES))
def test_an_artifact_with_a_name_too_long_for_a_file_name_is_saved_and_found(home, which):
    name = NAMES[which]
    own = "own-version-" + "v" * 250
    run = _pipeline(name, own)()
    assert run.status.value == "completed"
    client = Client(home)
    try:
        assert client.get_artifact_version(name, 1).load() == 1
        assert client.get_artifact_version(name, own).load() == 5
        assert name in [a.name for a in client.list_artifacts(size=100)]
        assert client.get_model(name).name == name
        assert name in [m.name for m in client.list_models(size=100)]
    finally:
        client.close()
    again = _pipeline(name, own + "2")()  # its next number is found among hashed parts
    client = Client(home)
    try:
        assert again.status.value == "completed"
        versions = {v.version for v in client.list_artifact_versions(name=name, size=10)}
        assert versions == {"1", "2", own, own + "2"}, versions
    finally:
        client.close()
