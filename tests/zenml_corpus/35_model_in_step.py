# Shape of ZenML's docs "Load a Model in code" (how-to/use-the-model-control-plane/load-a-
# model-in-code): in a step, get_step_context().model's metadata and an artifact fetched by
# name and version with its metadata; a stage that no version holds is a KeyError from
# Client().get_model_version. Passes on ZenML 0.98.
from typing_extensions import Annotated

from dagwell import ArtifactConfig, Model, get_step_context, log_metadata, pipeline, step
from dagwell.client import Client
from dagwell.enums import ModelStages


@step
def producer() -> Annotated[
    list, ArtifactConfig(name="my_dataset", version="my_version", run_metadata={"rows": 1})
]:
    log_metadata({"metadata_key": "value"}, infer_model=True)
    return [1]


@step
def reader() -> int:
    mv = get_step_context().model
    assert mv.run_metadata["metadata_key"] == "value"
    output = mv.get_artifact("my_dataset", "my_version")
    return output.run_metadata["rows"]


@step
def staging_check() -> bool:
    try:
        Client().get_model_version(
            model_name_or_id="my_model",
            model_version_name_or_number_or_id=ModelStages.STAGING,
        )
    except KeyError:
        return False
    return True


@pipeline(model=Model(name="my_model"), enable_cache=False)
def model_pipeline():
    producer()
    reader(after=["producer"])
    staging_check()


if __name__ == "__main__":
    run = model_pipeline()
    assert run.steps["reader"].output.load() == 1
    assert run.steps["staging_check"].output.load() is False
