# ZenML quickstart shape: a step with a parameter, a pipeline, run it.
from dagwell import pipeline, step


@step
def simple_step(name: str = "World") -> str:
    message = f"Hello {name}! Welcome to ZenML"
    print(message)
    return message


@pipeline
def hello_pipeline(name: str = "World"):
    simple_step(name=name)


if __name__ == "__main__":
    run = hello_pipeline(name="dagwell")
    assert run.steps["simple_step"].output.load() == "Hello dagwell! Welcome to ZenML"
