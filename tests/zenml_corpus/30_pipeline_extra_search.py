# Shape of the example in ZenML 0.98's zenml/pipelines/pipeline_context.py docstring: a
# pipeline reads its `extra=` through get_pipeline_context() to fan out search steps with
# custom ids, and a last step runs after them all (after=[ids]). Passes on ZenML 0.98.
from dagwell import get_pipeline_context, pipeline, step


@step
def cross_validation(model_package: str, model_class: str) -> float:
    return float(len(model_package + model_class))


@step
def select_best_model(search_steps_prefix: str) -> str:
    return search_steps_prefix + "done"


@pipeline(extra={"candidates": [("sklearn.tree", "DecisionTree"), ("sklearn.svm", "SVC")]})
def search_pipeline():
    context = get_pipeline_context()
    after = []
    for i, (package, cls) in enumerate(context.extra["candidates"]):
        cross_validation(model_package=package, model_class=cls, id=f"search_{i}")
        after.append(f"search_{i}")
    select_best_model(search_steps_prefix="search_", after=after)


if __name__ == "__main__":
    run = search_pipeline()
    assert set(run.steps) == {"search_0", "search_1", "select_best_model"}
    assert run.steps["search_1"].config.parameters["model_class"] == "SVC"
    assert run.steps["select_best_model"].output.load() == "search_done"
