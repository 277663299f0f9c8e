# docs: fetching pipeline runs and step outputs with the Client.
from typing_extensions import Annotated
from dagwell import pipeline, step
from dagwell.client import Client


@step
def trainer() -> Annotated[dict, "trained_model"]:
    return {"weights": [1, 2, 3]}


@pipeline
def training_pipeline():
    trainer()


if __name__ == "__main__":
    training_pipeline()
    pipeline_model = Client().get_pipeline("training_pipeline")
    last_run = pipeline_model.last_run
    trainer_step = last_run.steps["trainer"]
    model = trainer_step.outputs["trained_model"][0].load()
    assert model == {"weights": [1, 2, 3]}
    assert trainer_step.output.load() == model
    assert last_run.status == "completed"
    assert len(pipeline_model.runs) == 1
