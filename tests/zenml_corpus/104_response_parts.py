# ZenML 0.98's responses keep their fields in body, metadata and resources parts, and
# code reads them there as often as on the response: run.body.status,
# run.get_metadata().run_metadata, run.resources.pipeline.name, a step's
# get_metadata().config, an artifact version's get_body().version and the artifact store
# it lives in (body.artifact_store_id, the active stack's artifact store's id). Before:
# AttributeError for each. Passes on ZenML 0.98.
from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.enums import ExecutionStatus


@step
def s(x: int = 3) -> int:
    return x


@pipeline(enable_cache=False)
def p():
    s(x=5)


if __name__ == "__main__":
    p()
    client = Client()
    run = client.get_pipeline("p").last_run
    assert run.body.status == run.get_body().status == ExecutionStatus.COMPLETED
    assert run.get_metadata().run_metadata == {}
    assert run.resources.pipeline.name == run.get_resources().pipeline.name == "p"
    step_run = run.steps["s"]
    assert step_run.body.status == ExecutionStatus.COMPLETED
    assert step_run.get_metadata().config.parameters == {"x": 5}
    version = step_run.output
    assert version.body.uri == version.uri and version.get_body().version == "1"
    assert version.body.artifact_store_id == client.active_stack.artifact_store.id
