# docs.zenml.io how-to/model-management-metrics/model-control-plane/load-artifacts-from-model
from typing_extensions import Annotated

from zenml import Model, get_pipeline_context, pipeline, step


@step
def trainer() -> Annotated[list, "trained_model"]:
    return [0.5, 0.25]


@step
def predict(model_weights: list, data: list) -> Annotated[list, "predictions"]:
    return [sum(w * d for w, d in zip(model_weights, data))]


@pipeline(model=Model(name="iris_model"))
def training():
    trainer()


@pipeline(model=Model(name="iris_model", version="latest"))
def do_predictions():
    model = get_pipeline_context().model
    weights = model.get_artifact("trained_model")
    predict(model_weights=weights, data=[2.0, 4.0])


if __name__ == "__main__":
    training()
    run = do_predictions()
    assert run.steps["predict"].output.load() == [2.0]
