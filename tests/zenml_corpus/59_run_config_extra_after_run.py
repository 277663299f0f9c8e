# Shape of ZenML's docs "Fetching pipelines" (a recorded run's configuration) and its
# integration test tests/integration/functional/pipelines/test_pipeline_context.py (extra=
# of the pipeline, read in the step): run.config.extra is the pipeline's extra= and a
# step's config.extra its own over the pipeline's, after the run and inside the step, next
# to the parameters, enable_cache and substitutions; with_options(extra=) adds to the
# decorator's. Before: 'StepConfig' object has no attribute 'extra' (the pipeline's was
# only there inside the step).
from dagwell import get_step_context, pipeline, step
from dagwell.client import Client


@step(extra={"owner": "data-team"})
def load(rows: int = 3) -> int:
    context = get_step_context()
    assert context.pipeline_run.config.extra["stage"] == "nightly"
    assert context.step_run.config.extra["owner"] == "data-team"
    assert "time" in context.pipeline_run.config.substitutions
    return rows


@pipeline(enable_cache=False, extra={"stage": "nightly"})
def nightly(rows: int = 3):
    load(rows=rows)


if __name__ == "__main__":
    run = Client().get_pipeline_run(nightly(rows=5).id)
    assert run.config.extra == {"stage": "nightly"}
    assert run.config.enable_cache is False
    assert run.config.parameters == {"rows": 5}
    assert run.steps["load"].config.extra == {"owner": "data-team", "stage": "nightly"}
    assert run.steps["load"].config.parameters == {"rows": 5}
    assert nightly.with_options(extra={"more": 1})().config.extra == {"stage": "nightly", "more": 1}
