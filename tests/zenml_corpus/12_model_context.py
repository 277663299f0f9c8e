# docs: Model Control Plane: a model on the pipeline, metadata through the step context.
from typing_extensions import Annotated
from dagwell import Model, get_step_context, log_metadata, pipeline, step
from dagwell.client import Client


@step
def svc_trainer(gamma: float = 0.01) -> Annotated[dict, "sklearn_classifier"]:
    model = get_step_context().model
    assert model.name == "iris_classifier"
    log_metadata(metadata={"gamma": gamma, "accuracy": 0.97}, infer_model=True)
    return {"gamma": gamma}


@pipeline(model=Model(name="iris_classifier", license="Apache 2.0", description="A classifier"))
def training_pipeline(gamma: float = 0.002):
    svc_trainer(gamma=gamma)


if __name__ == "__main__":
    training_pipeline()
    model_version = Client().get_model_version("iris_classifier")
    assert model_version.run_metadata["accuracy"] == 0.97
    assert model_version.get_artifact("sklearn_classifier").load() == {"gamma": 0.002}
    assert Client().get_model("iris_classifier").license == "Apache 2.0"
