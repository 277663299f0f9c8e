# ZenML 0.98's environment= on a pipeline and on a step: variables set while the step
# runs, the step's over the pipeline's (as ZenML merges its configuration), gone again
# once the run is over. Before: DefinitionError "environment= is not supported". Passes
# on ZenML 0.98.
import os

from dagwell import pipeline, step


@step(environment={"MODEL_DIR": "/tmp/step_models", "RETRIES": "3"})
def reads_its_environment() -> dict:
    return {k: os.environ.get(k) for k in ("MODEL_DIR", "DATA_DIR", "RETRIES")}


@step
def reads_the_pipelines() -> str:
    return os.environ.get("MODEL_DIR", "")


@pipeline(enable_cache=False, environment={"MODEL_DIR": "/tmp/models", "DATA_DIR": "/data"})
def configured():
    reads_its_environment()
    reads_the_pipelines()


if __name__ == "__main__":
    run = configured()
    seen = run.steps["reads_its_environment"].output.load()
    assert seen == {"MODEL_DIR": "/tmp/step_models", "DATA_DIR": "/data", "RETRIES": "3"}, seen
    assert run.steps["reads_the_pipelines"].output.load() == "/tmp/models"
    assert "DATA_DIR" not in os.environ
