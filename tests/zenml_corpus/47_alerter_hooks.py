# examples/failure_and_success_hooks (ZenML's repository): the standard alerter hooks on a
# step, on a stack without an alerter (ZenML's skip with a warning), and a failed run
# caught as the RuntimeError ZenML's local orchestrator raises. Before: importing the hooks
# was an ImportError, and the failed run was no RuntimeError.
from dagwell import pipeline, step
from dagwell.hooks import alerter_failure_hook, alerter_success_hook


@step(on_failure=alerter_failure_hook, on_success=alerter_success_hook)
def get_first_num(fail: bool) -> int:
    """Returns an integer."""
    if fail:
        raise ValueError("This is an exception")

    return 10


@pipeline(enable_cache=False)
def hook_pipeline(fail: bool = False):
    get_first_num(fail=fail)


if __name__ == "__main__":
    assert hook_pipeline().steps["get_first_num"].output.load() == 10
    try:
        hook_pipeline(fail=True)
    except RuntimeError as e:
        failed = e
    assert "get_first_num" in str(failed), failed
