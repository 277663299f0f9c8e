# docs: list pipeline runs, filter by pipeline, check status.
from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.enums import ExecutionStatus


@step
def noop(i: int) -> int:
    return i


@pipeline(enable_cache=False)
def looping_pipeline(i: int = 0):
    noop(i)


if __name__ == "__main__":
    for i in range(3):
        looping_pipeline(i=i)
    runs = Client().list_pipeline_runs(pipeline_name="looping_pipeline", sort_by="desc:created")
    assert len(runs.items) == 3
    assert all(r.status == ExecutionStatus.COMPLETED for r in runs)
    assert runs[0].steps["noop"].output.load() == 2
    assert runs[0].pipeline.name == "looping_pipeline"
