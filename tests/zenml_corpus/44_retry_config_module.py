# Shape of ZenML's docs "Allow step retry in case of failure" (how-to/build-pipelines/
# retry-steps.md): StepRetryConfig imported from zenml.config.retry_config on a step, and the
# same retry set from a YAML run configuration (steps.<name>.retry); a step that fails twice
# then succeeds completes. Passes on ZenML 0.98.
import os
import tempfile

from dagwell import pipeline, step
from dagwell.config.resource_settings import ResourceSettings
from dagwell.config.retry_config import StepRetryConfig

COUNTS = tempfile.mkdtemp()


def attempt(name: str) -> int:
    path = os.path.join(COUNTS, name)
    count = int(open(path).read()) + 1 if os.path.exists(path) else 1
    with open(path, "w") as f:
        f.write(str(count))
    return count


@step(
    retry=StepRetryConfig(max_retries=3, delay=0, backoff=2),
    settings={"resources": ResourceSettings(memory="200MB")},
)
def flaky_decorated() -> int:
    if attempt("decorated") < 3:
        raise Exception("This is a test exception")
    return 3


@step
def flaky_configured() -> int:
    if attempt("configured") < 2:
        raise Exception("transient")
    return 2


@pipeline(enable_cache=False)
def retry_pipeline():
    flaky_decorated()
    flaky_configured()


if __name__ == "__main__":
    config = os.path.join(COUNTS, "config.yaml")
    with open(config, "w") as f:
        f.write("steps:\n  flaky_configured:\n    retry:\n      max_retries: 2\n      delay: 0\n")
    run = retry_pipeline.with_options(config_path=config)()
    assert run.steps["flaky_decorated"].output.load() == 3
    assert run.steps["flaky_configured"].output.load() == 2
    assert open(os.path.join(COUNTS, "decorated")).read() == "3"
