# Shape of the example in ZenML 0.98's zenml/artifacts/unmaterialized_artifact.py docstring:
# an input annotated UnmaterializedArtifact arrives as the artifact (its uri), not loaded;
# it can still be loaded on demand. Passes on ZenML 0.98.
import os

from dagwell import pipeline, step
from dagwell.artifacts.unmaterialized_artifact import UnmaterializedArtifact


@step
def make() -> list:
    return [1, 2, 3]


@step
def inspect_artifact(input_artifact: UnmaterializedArtifact) -> str:
    assert isinstance(input_artifact, UnmaterializedArtifact)
    assert input_artifact.load() == [1, 2, 3]
    return input_artifact.uri


@pipeline(enable_cache=False)
def unmaterialized():
    inspect_artifact(make())


if __name__ == "__main__":
    run = unmaterialized()
    uri = run.steps["inspect_artifact"].output.load()
    assert os.path.exists(uri) and uri == run.steps["make"].output.uri
