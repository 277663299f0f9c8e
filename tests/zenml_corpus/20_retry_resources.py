# docs: step retries and resource settings.
import os
import tempfile

from dagwell import pipeline, step
from dagwell.config import ResourceSettings, StepRetryConfig

MARKER = os.path.join(tempfile.mkdtemp(), "tried")


@step(
    retry=StepRetryConfig(max_retries=2, delay=0.1, backoff=1),
    settings={"resources": ResourceSettings(cpu_count=1, memory="300MB")},
)
def flaky() -> str:
    if not os.path.exists(MARKER):
        open(MARKER, "w").close()
        raise RuntimeError("first attempt fails")
    return "ok"


@pipeline(enable_cache=False)
def retry_pipeline():
    flaky()


if __name__ == "__main__":
    run = retry_pipeline()
    assert run.steps["flaky"].output.load() == "ok"
    assert len(run.steps["flaky"].attempts) == 2
