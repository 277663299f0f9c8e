# docs.zenml.io use-failure-success-hooks (get_step_context inside a hook)
from zenml import get_step_context, pipeline, step


def on_failure(exception: BaseException):
    context = get_step_context()
    with open("hook_context.txt", "w") as f:
        f.write(f"{context.step_run.name}:{context.pipeline.name}:{exception}")


@step(on_failure=on_failure)
def my_step(some_parameter: int = 1):
    raise ValueError(f"My exception {some_parameter}")


@pipeline
def my_pipeline():
    my_step(some_parameter=3)


if __name__ == "__main__":
    try:
        my_pipeline()
    except Exception:
        pass
    assert open("hook_context.txt").read() == "my_step:my_pipeline:My exception 3"
