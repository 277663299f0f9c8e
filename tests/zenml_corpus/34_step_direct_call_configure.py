# Shape of ZenML's docs "Advanced Features" (concepts/steps_and_pipelines/advanced_features):
# step.configure / pipeline.configure, calling a step directly outside a pipeline and through
# .entrypoint, and after= with one step id. Passes on ZenML 0.98.
from typing import Tuple

from typing_extensions import Annotated

from dagwell import pipeline, step


@step
def train_classifier(
    X_train: list, y_train: list
) -> Tuple[Annotated[dict, "model"], Annotated[float, "accuracy"]]:
    return {"n": len(X_train)}, 0.5


@step(enable_cache=False)
def side_effect() -> None:
    print("side effect")


@pipeline
def ordered():
    side_effect()
    train_classifier(X_train=[1, 2], y_train=[0, 1], after="side_effect")


if __name__ == "__main__":
    train_classifier.configure(enable_cache=False)
    ordered.configure(enable_cache=False)
    model, accuracy = train_classifier(X_train=[1, 2, 3], y_train=[0, 1, 0])
    assert model == {"n": 3} and accuracy == 0.5
    model, accuracy = train_classifier.entrypoint(X_train=[1], y_train=[0])
    assert model == {"n": 1}
    run = ordered()
    assert run.steps["train_classifier"].outputs["model"][0].load() == {"n": 2}
