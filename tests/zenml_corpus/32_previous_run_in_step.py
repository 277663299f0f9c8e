# Shape of ZenML's docs "Fetching pipelines" > "Fetching information during run execution":
# inside a step, the current run through the Client, and the previous run of the same
# pipeline as current_run.pipeline.runs[1] (newest first). Passes on ZenML 0.98.
from dagwell import get_step_context, pipeline, step
from dagwell.client import Client


@step
def compare_with_previous() -> str:
    current_run = Client().get_pipeline_run(get_step_context().pipeline_run.name)
    runs = current_run.pipeline.runs
    assert runs[0].id == current_run.id  # index 0 is the current run
    return runs[1].name if len(runs) > 1 else ""


@pipeline(enable_cache=False)
def nightly():
    compare_with_previous()


if __name__ == "__main__":
    first = nightly()
    second = nightly()
    assert second.steps["compare_with_previous"].output.load() == first.name
    assert second.pipeline.name == "nightly"
    assert [r.id for r in Client().get_pipeline_run(second.id).pipeline.runs] == [
        second.id,
        first.id,
    ]
    assert Client().get_pipeline_run(first.id).pipeline.last_run.id == second.id
