# docs.zenml.io how-to/pipeline-development/build-pipelines/use-failure-success-hooks
from zenml import get_step_context, pipeline, step

SEEN = []


def on_failure(exception: BaseException):
    print(f"Step failed: {str(exception)}")
    with open("failure.txt", "w") as f:
        f.write(f"{type(exception).__name__}: {exception}")


def on_success():
    print("Step succeeded!")


@step(on_failure=on_failure)
def my_failing_step() -> int:
    raise ValueError("Error")


@step(on_success=on_success)
def my_step() -> int:
    return 1


@pipeline(on_failure=on_failure, on_success=on_success)
def my_pipeline():
    my_step()
    my_failing_step()


if __name__ == "__main__":
    try:
        my_pipeline()
    except Exception as e:
        print("run failed:", type(e).__name__)
    text = open("failure.txt").read()
    assert "ValueError" in text and "Error" in text, text
