# docs: return multiple outputs with Annotated names.
from typing import Tuple

from typing_extensions import Annotated
from dagwell import pipeline, step


@step
def train_data_splitter() -> Tuple[
    Annotated[list, "X_train"],
    Annotated[list, "X_test"],
]:
    data = list(range(10))
    return data[:8], data[8:]


@step
def count(x_train: list, x_test: list) -> int:
    return len(x_train) * 100 + len(x_test)


@pipeline
def split_pipeline():
    x_train, x_test = train_data_splitter()
    count(x_train, x_test)


if __name__ == "__main__":
    run = split_pipeline()
    assert run.steps["count"].output.load() == 802
    assert run.steps["train_data_splitter"].outputs["X_test"][0].load() == [8, 9]
