# Shape of ZenML's docs "Dynamically assign artifact names" (how-to/build-pipelines/
# dynamically-assign-artifact-names.md): (1) a factory makes one step per prefix, each
# naming its output "<prefix>_artifact", registers it in globals() and resolve()s it;
# (2) one step called several times tells its outputs apart by metadata. Passes on ZenML 0.98.
from typing import Any, Dict

from typing_extensions import Annotated

from dagwell import ArtifactConfig, get_step_context, pipeline, step
from dagwell.client import Client


def make_step(prefix: str):
    def _entrypoint(
        data: Any,
    ) -> Annotated[Dict[str, Any], ArtifactConfig(name=f"{prefix}_artifact")]:
        return {"data": data, "step": get_step_context().step_name}

    name = f"factory_step_{prefix}"
    _entrypoint.__name__ = name
    made = step(_entrypoint)
    globals()[name] = made
    return made


train_step = make_step("train")
test_step = make_step("test")
train_step.resolve()
test_step.resolve()


@pipeline
def factory_pipeline(train_data, test_data):
    train_step(train_data)
    test_step(test_data)


@step
def tagged(data: Any, prefix: str) -> Annotated[Dict[str, Any], "split"]:
    get_step_context().add_output_metadata(output_name="split", metadata={"prefix": prefix})
    return {"data": data}


@pipeline
def metadata_pipeline(train_data, test_data):
    tagged(train_data, prefix="train")
    tagged(test_data, prefix="test")


if __name__ == "__main__":
    factory_pipeline(train_data=1, test_data=2)
    client = Client()
    assert client.get_artifact_version("test_artifact").load() == {
        "data": 2,
        "step": "factory_step_test",
    }
    metadata_pipeline(train_data=10, test_data=20)
    by_prefix = {
        a.run_metadata["prefix"]: a.load()["data"]
        for a in client.list_artifact_versions(name="split")
    }
    assert by_prefix == {"train": 10, "test": 20}
