# A quality gate in the shape of ZenML's docs and projects: the step raises its own
# exception class, whose __init__ keeps what failed, and the script that ran the pipeline
# under ExecutionMode.FAIL_FAST reads it off the exception ZenML 0.98 raises from the
# call (the step's own exception object). Before: the error was of the class, but its
# attributes (error.metric, error.value) were missing and type(error).__name__ was
# RunFailedError. Passes on ZenML 0.98.
from dagwell import pipeline, step
from dagwell.enums import ExecutionMode


class QualityGateError(Exception):
    def __init__(self, metric: str, value: float, threshold: float):
        super().__init__(f"{metric}={value} is below {threshold}")
        self.metric = metric
        self.value = value
        self.threshold = threshold


@step
def evaluate() -> float:
    return 0.61


@step
def gate(accuracy: float) -> None:
    if accuracy < 0.8:
        raise QualityGateError("accuracy", accuracy, 0.8)


@pipeline(enable_cache=False, execution_mode=ExecutionMode.FAIL_FAST)
def training():
    gate(evaluate())


if __name__ == "__main__":
    try:
        training()
    except QualityGateError as error:
        assert type(error).__name__ == "QualityGateError"
        assert (error.metric, error.value, error.threshold) == ("accuracy", 0.61, 0.8)
        assert "accuracy=0.61 is below 0.8" in str(error)
        print(f"gate failed on {error.metric}: {error.value} < {error.threshold}")
    else:
        raise AssertionError("the gate did not fail the run")
