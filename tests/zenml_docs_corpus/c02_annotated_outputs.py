# docs.zenml.io user-guide/starter-guide/manage-artifacts (naming outputs with Annotated)
from typing import Tuple

from typing_extensions import Annotated

from zenml import pipeline, step


@step
def training_data_loader() -> Tuple[
    Annotated[list, "X_train"],
    Annotated[list, "X_test"],
    Annotated[list, "y_train"],
    Annotated[list, "y_test"],
]:
    X = [[float(i), float(i % 3)] for i in range(20)]
    y = [i % 2 for i in range(20)]
    return X[:15], X[15:], y[:15], y[15:]


@step
def count(X_train: list, y_train: list) -> Annotated[int, "n_rows"]:
    return len(X_train) + len(y_train)


@pipeline
def annotated_pipeline():
    X_train, X_test, y_train, y_test = training_data_loader()
    count(X_train, y_train)


if __name__ == "__main__":
    run = annotated_pipeline()
    assert run.steps["count"].outputs["n_rows"][0].load() == 30
    assert run.steps["training_data_loader"].outputs["X_test"][0].load()[0] == [15.0, 0.0]
