# Shape of ZenML's docs "Fetching pipelines" (a run's artifacts and the step runs that made
# them) with ZenML 0.98's response fields (models/v2/core/pipeline_run.py, step_run.py,
# artifact_version.py): run.artifact_versions and run.produced_artifact_versions (a cached
# step's outputs are the run's, not made by it), step.pipeline_run_id, a cached step's
# original_step_run_id, step.regular_inputs, and an artifact version's
# producer_pipeline_run_id, .run and .step. Before: each was an AttributeError (and a cached
# step had no start_time).
from typing_extensions import Annotated

from dagwell import pipeline, step
from dagwell.client import Client


@step
def make(n: int) -> Annotated[int, "made"]:
    return n


@step(enable_cache=False)
def use(made: int) -> Annotated[int, "used"]:
    return made + 1


@pipeline
def lineage(n: int = 1):
    use(make(n))


if __name__ == "__main__":
    first = lineage()
    client = Client()
    run = client.get_pipeline_run(lineage().id)
    assert sorted(v.name for v in run.artifact_versions) == ["made", "used"]
    assert [v.name for v in run.produced_artifact_versions] == ["used"]
    made = run.steps["make"]
    assert str(made.status) == "cached"
    assert made.start_time is not None and made.end_time >= made.start_time
    assert made.original_step_run_id == client.get_pipeline_run(first.id).steps["make"].id
    assert run.steps["use"].original_step_run_id is None
    assert run.steps["use"].pipeline_run_id == run.id
    assert list(run.steps["use"].regular_inputs) == ["made"]
    assert run.steps["use"].regular_inputs["made"][0].load() == 1
    assert client.get_artifact_version("made").producer_pipeline_run_id == first.id
    assert client.get_artifact_version("used").producer_pipeline_run_id == run.id
    made_version = client.get_artifact_version("made")
    assert made_version.run.id == first.id and made_version.step.name == "make"
    assert made_version.step.outputs["made"][0].load() == 1
    assert run.steps["use"].outputs["used"][0].run.id == run.id
