# docs.zenml.io (calling a step outside a pipeline runs the function; .entrypoint)
from zenml import step


@step
def add(a: int, b: int) -> int:
    return a + b


assert add(1, 2) == 3
assert add.entrypoint(2, 3) == 5
