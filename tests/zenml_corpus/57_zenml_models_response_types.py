# ZenML's own integration tests (tests/integration/functional/steps/test_dynamic_artifact_
# names.py, artifacts/test_utils.py) and user scripts name ZenML's response classes from
# zenml.models in annotations and isinstance checks (run: PipelineRunResponse = p()).
# Before: "No module named 'dagwell.models'".
from typing_extensions import Annotated

from dagwell import pipeline, save_artifact, step
from dagwell.client import Client
from dagwell.models import (
    ArtifactResponse,
    ArtifactVersionResponse,
    Page,
    PipelineResponse,
    PipelineRunResponse,
    StepRunResponse,
)


@step
def make() -> Annotated[int, "made"]:
    return 3


@pipeline
def typed():
    make()


if __name__ == "__main__":
    run: PipelineRunResponse = typed()
    assert isinstance(run, PipelineRunResponse)
    step_run: StepRunResponse = run.steps["make"]
    assert isinstance(step_run, StepRunResponse)
    version: ArtifactVersionResponse = step_run.outputs["made"][0]
    assert isinstance(version, ArtifactVersionResponse) and version.load() == 3
    client = Client()
    assert isinstance(client.get_artifact("made"), ArtifactResponse)
    assert isinstance(client.get_pipeline("typed"), PipelineResponse)
    runs = client.list_pipeline_runs()
    assert isinstance(runs, Page) and isinstance(runs.items[0], PipelineRunResponse)
    assert isinstance(save_artifact(4, "saved"), ArtifactVersionResponse)
