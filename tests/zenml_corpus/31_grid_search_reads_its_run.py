# Shape of ZenML's docs "Hyperparameter tuning" (how-to/build-pipelines/hyper-parameter-
# tuning.md) and the e2e example's hp_tuning_select_best_model: train steps with custom ids,
# a select step that runs after them and reads their outputs and parameters from its own,
# still running, run through Client().get_pipeline_run(get_step_context().pipeline_run.name).
# Written for 0.98's shapes (step.outputs[name] is a list). Passes on ZenML 0.98.
from typing_extensions import Annotated

from dagwell import get_step_context, pipeline, step
from dagwell.client import Client


@step
def load_data() -> list:
    return [1, 2, 3]


@step
def train(data: list, learning_rate: float) -> Annotated[dict, "model"]:
    return {"lr": learning_rate, "score": sum(data) * learning_rate}


@step
def select_best() -> float:
    run = Client().get_pipeline_run(get_step_context().pipeline_run.name)
    scores = {}
    for name, step_run in run.steps.items():
        if name.startswith("train_"):
            model = step_run.outputs["model"][0].load()
            scores[step_run.config.parameters["learning_rate"]] = model["score"]
    return max(scores, key=scores.get)


@pipeline(enable_cache=False)
def grid_search(step_count: int = 3):
    data = load_data()
    after = []
    for i in range(step_count):
        train(data, learning_rate=(i + 1) * 0.1, id=f"train_{i}")
        after.append(f"train_{i}")
    select_best(after=after)


if __name__ == "__main__":
    run = grid_search(step_count=4)
    assert abs(run.steps["select_best"].output.load() - 0.4) < 1e-9
