# docs: promote a model version, then run inference on the production version.
from typing_extensions import Annotated
from dagwell import Model, get_pipeline_context, pipeline, step
from dagwell.client import Client
from dagwell.enums import ModelStages


@step
def trainer() -> Annotated[dict, "trained_model"]:
    return {"coef": 2}


@step
def predict(model: dict, data: list) -> Annotated[list, "predictions"]:
    return [model["coef"] * x for x in data]


@pipeline(model=Model(name="iris_classifier"))
def training():
    trainer()


@pipeline(model=Model(name="iris_classifier", version=ModelStages.PRODUCTION))
def do_predictions():
    model = get_pipeline_context().model
    predict(model=model.get_model_artifact("trained_model"), data=[1, 2, 3])


if __name__ == "__main__":
    training()
    version = Client().get_model_version("iris_classifier", "latest")
    version.set_stage(stage=ModelStages.PRODUCTION, force=True)
    run = do_predictions()
    assert run.steps["predict"].output.load() == [2, 4, 6]
