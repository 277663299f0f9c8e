# ZenML 0.98's run.index: a run's number among its pipeline's runs (1 for the first), on
# the run a call returns and on the runs the Client reads; another pipeline counts its
# own. Before: AttributeError 'PipelineRun' object has no attribute 'index'. Passes on
# ZenML 0.98.
from dagwell import pipeline, step
from dagwell.client import Client


@step
def s() -> int:
    return 1


@pipeline(enable_cache=False)
def counted():
    s()


@pipeline(enable_cache=False)
def other():
    s()


if __name__ == "__main__":
    runs = [counted() for _ in range(3)]
    assert [r.index for r in runs] == [1, 2, 3]
    assert other().index == 1
    client = Client()
    assert [r.index for r in client.list_pipeline_runs(pipeline_name="counted")] == [3, 2, 1]
    assert client.get_pipeline("counted").last_run.index == 3
