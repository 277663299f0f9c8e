"""The seed story: ten parallel steps of 400 MB on a node with 1400 MB.

Peers leave such a run "running" forever once some steps are OOM-killed. dagwell runs it
with real memory limits: the kernel OOM-kills some steps, dagwell sees each kill, learns
how much memory the step really needs, and retries the killed steps when they fit. The
run ends `completed`, and `dagwell runs show latest` tells the whole story.
"""

import time

from dagwell import LocalOrchestrator, StepRetryConfig, pipeline, step

MB = 10**6


@step(retry=StepRetryConfig(max_retries=3, delay=0.5, backoff=2.0))
def wait() -> None:
    block = bytearray(400 * MB)
    for i in range(0, len(block), 4096):  # touch every page: the memory is really used
        block[i] = 1
    time.sleep(1.0)


@pipeline(enable_cache=False)
def simple_ml_pipeline() -> None:
    for _ in range(10):
        wait()


if __name__ == "__main__":
    run = simple_ml_pipeline.with_options(
        orchestrator=LocalOrchestrator(memory="1400MB", max_parallelism=10)
    )()
    print(run.summary())
