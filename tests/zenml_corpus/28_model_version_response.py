# ZenML 0.98 source (models/v2/core/model_version.py, model.py; client.py get_model_version):
# Client().get_model_version returns a ModelVersionResponse whose .name is the VERSION's
# name ("1" for a numbered one) and .model.name the model's; found by name, int number, stage
# or id. get_model returns a ModelResponse. Passes on ZenML 0.98 unchanged.
from typing_extensions import Annotated

from dagwell import Model, log_metadata, pipeline, step
from dagwell.client import Client
from dagwell.enums import ModelStages


@step
def trainer() -> Annotated[dict, "trained_model"]:
    log_metadata(metadata={"accuracy": 0.9}, infer_model=True)
    return {"coef": 2}


@pipeline(
    model=Model(name="response_model", license="MIT", description="A small model"),
    enable_cache=False,
)
def training():
    trainer()


if __name__ == "__main__":
    training()
    training()
    client = Client()
    mv = client.get_model_version("response_model")
    assert mv.name == "2" and mv.number == 2
    assert mv.model.name == "response_model" and mv.model.latest_version_name == "2"
    assert mv.run_metadata["accuracy"] == 0.9
    assert mv.get_artifact("trained_model").load() == {"coef": 2}
    assert mv.stage is None

    first = client.get_model_version("response_model", 1)
    assert (first.name, first.number) == ("1", 1) and first.id != mv.id
    by_name = client.get_model_version("response_model", "1")
    assert by_name.id == first.id
    by_id = client.get_model_version(model_version_name_or_number_or_id=first.id)
    assert by_id.number == 1 and by_id.model.name == "response_model"

    first.set_stage(ModelStages.PRODUCTION)
    prod = client.get_model_version("response_model", ModelStages.PRODUCTION)
    assert prod.id == first.id and prod.stage == "production"

    model = client.get_model("response_model")
    assert model.name == "response_model" and model.license == "MIT"
    assert [v.number for v in model.versions] == [1, 2]
    as_model = mv.to_model_class()
    assert (as_model.name, as_model.version) == ("response_model", "2")
    assert [v.name for v in client.list_model_versions("response_model")] == ["1", "2"]
