# docs.zenml.io how-to/model-management-metrics/model-control-plane/register-a-model
from typing_extensions import Annotated

from zenml import Model, get_step_context, pipeline, step
from zenml.client import Client


@step
def svc_trainer(gamma: float = 0.001) -> Annotated[dict, "sklearn_classifier"]:
    model = get_step_context().model
    print(model.name)
    return {"gamma": gamma}


@pipeline(
    model=Model(
        name="iris_classifier",
        license="Apache 2.0",
        description="A classification model for the iris dataset.",
        tags=["iris", "svc"],
    ),
)
def training_pipeline(gamma: float = 0.002):
    svc_trainer(gamma=gamma)


if __name__ == "__main__":
    training_pipeline(gamma=0.0001)
    mv = Client().get_model_version("iris_classifier")
    assert mv.name in ("1", "2", "3", "4", "5", "6", "7", "8", "9") or mv.number >= 1
    assert mv.get_artifact("sklearn_classifier").load() == {"gamma": 0.0001}
