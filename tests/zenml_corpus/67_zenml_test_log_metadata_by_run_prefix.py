# ZenML's own integration tests of log_metadata (tests/integration/functional/steps/
# test_utils.py: test_log_metadata_within_step, ..._using_latest_run, ..._using_specific_
# params), as a script in ZenML 0.98's decorator style. `run_id_name_or_prefix=` takes the
# pipeline's name: ZenML's Client.get_pipeline_run finds the only run whose name (or id)
# starts with it, and raises a KeyError when there is none (a step run's id is no run's)
# or several (`allow_name_prefix_match=False` turns the name prefix off). Before: "No run
# 'step_metadata_logging_pipeline' in the store", a RunNotFound that `except KeyError`
# did not catch.
from dagwell import log_metadata, pipeline, step
from dagwell.client import Client


@step
def step_metadata_logging_step() -> str:
    """A step that does nothing interesting."""
    return "42"


@step
def step_metadata_logging_step_inside_run() -> str:
    """A step that does nothing interesting."""
    step_metadata = {
        "description": "Aria is great!",
        "metrics": {"accuracy": 0.9},
    }
    log_metadata(metadata=step_metadata)
    return "42"


@pipeline
def inside_run_logging_pipeline():
    step_metadata_logging_step_inside_run()


@pipeline
def step_metadata_logging_pipeline():
    step_metadata_logging_step()


@pipeline
def step_metadata_logging_pipeline_b():
    step_metadata_logging_step()


def expect_key_error(**kwargs):
    try:
        log_metadata(metadata={"x": 1}, step_name="step_metadata_logging_step", **kwargs)
    except KeyError:
        return
    raise AssertionError(f"log_metadata({kwargs}) found a run")


if __name__ == "__main__":
    # test_log_metadata_within_step
    inside_run_logging_pipeline()
    last_run = inside_run_logging_pipeline.model.last_run
    run_metadata = last_run.steps["step_metadata_logging_step_inside_run"].run_metadata
    assert run_metadata["description"] == "Aria is great!"
    assert run_metadata["metrics"] == {"accuracy": 0.9}

    # test_log_metadata_using_latest_run
    step_metadata_logging_pipeline()
    last_run_before_log = step_metadata_logging_pipeline.model.last_run
    run_metadata_before_log = last_run_before_log.steps["step_metadata_logging_step"].run_metadata
    assert not run_metadata_before_log
    assert not run_metadata_before_log.get("description")
    step_metadata = {"description": "Axl is great!", "metrics": {"accuracy": 0.9}}
    log_metadata(
        metadata=step_metadata,
        step_name="step_metadata_logging_step",
        run_id_name_or_prefix="step_metadata_logging_pipeline",
    )
    run_after_log = step_metadata_logging_pipeline.model.last_run
    run_metadata_after_log = run_after_log.steps["step_metadata_logging_step"].run_metadata
    assert run_metadata_after_log["description"] == "Axl is great!"
    assert run_metadata_after_log["metrics"] == {"accuracy": 0.9}

    client = Client()
    run = client.get_pipeline_run("step_metadata_logging_pipeline")
    assert run.id == run_after_log.id
    assert client.get_pipeline_run(str(run.id)[:8]).id == run.id
    try:
        client.get_pipeline_run("step_metadata_logging_pipeline", allow_name_prefix_match=False)
    except KeyError:
        pass
    else:
        raise AssertionError("a name prefix matched with allow_name_prefix_match=False")

    # test_log_metadata_using_specific_params: a step run's id names no run in ZenML 0.98
    step_run_id = (
        client.get_pipeline("step_metadata_logging_pipeline")
        .last_run.steps["step_metadata_logging_step"]
        .id
    )
    expect_key_error(run_id_name_or_prefix=step_run_id)
    expect_key_error(run_id_name_or_prefix="no_such_pipeline")

    # A second pipeline whose runs' names start the same way: the prefix is ambiguous.
    step_metadata_logging_pipeline_b()
    expect_key_error(run_id_name_or_prefix="step_metadata_logging_pipeline")
    log_metadata(
        metadata={"description": "Blupus is great!"},
        step_name="step_metadata_logging_step",
        run_id_name_or_prefix="step_metadata_logging_pipeline_b",
    )
    second = step_metadata_logging_pipeline_b.model.last_run
    assert second.steps["step_metadata_logging_step"].run_metadata == {
        "description": "Blupus is great!"
    }
