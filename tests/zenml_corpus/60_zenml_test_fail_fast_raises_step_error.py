# ZenML's own integration test of its public API (tests/integration/functional/artifacts/
# test_utils.py, test_log_metadata_raises_error_if_output_name_unclear), as a script: under
# ExecutionMode.FAIL_FAST ZenML's local orchestrator raises the failed step's own exception,
# here the ValueError of log_artifact_metadata in a step with two outputs and no output
# named; other modes raise a RuntimeError. Before: a RunFailedError that was no ValueError.
from typing import Tuple

from typing_extensions import Annotated

from dagwell import log_artifact_metadata, pipeline, step
from dagwell.enums import ExecutionMode


@step
def two_outputs() -> Tuple[Annotated[str, "str_output"], Annotated[int, "int_output"]]:
    log_artifact_metadata({"description": "Axl is great!", "metrics": {"accuracy": 0.9}})
    return "42", 42


@pipeline(execution_mode=ExecutionMode.FAIL_FAST)
def unclear():
    two_outputs()


if __name__ == "__main__":
    try:
        unclear()
    except ValueError as error:
        assert "log_artifact_metadata" in str(error)
    else:
        raise AssertionError("FAIL_FAST did not raise the step's ValueError")
    try:
        unclear.with_options(execution_mode=ExecutionMode.CONTINUE_ON_FAILURE)()
    except RuntimeError as error:
        assert not isinstance(error, ValueError)
    else:
        raise AssertionError("a failed run did not raise")
