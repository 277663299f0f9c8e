# docs.zenml.io how-to/pipeline-development/build-pipelines/step-output-typing-and-annotation
from typing import Tuple

from zenml import pipeline, step


@step
def square_root(number: int) -> float:
    return number**0.5


@step
def divide(a: int, b: int) -> Tuple[int, int]:
    return a // b, a % b


@step
def my_step() -> Tuple[int, int]:
    output_value = (1, 2)
    return output_value  # a variable: ZenML stores ONE output (the tuple)


@step
def use_pair(pair: tuple) -> int:
    return sum(pair)


@step
def add(q: int, r: int) -> int:
    return q + r


@pipeline
def tuple_pipeline():
    square_root(16)
    q, r = divide(7, 2)
    add(q, r)
    use_pair(my_step())


if __name__ == "__main__":
    run = tuple_pipeline()
    assert run.steps["add"].output.load() == 4
    assert run.steps["use_pair"].output.load() == 3
    assert run.steps["square_root"].output.load() == 4.0
