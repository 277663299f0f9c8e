"""Pipelines the dashboard tests record: the seed story (examples/seed.py: ten 400 MB steps
on a 1400 MB node, real OOM kills and retries; here each step also prints a line, so an
OOM-killed attempt has a log to read), a step that prints and returns ``<script>``, and a
slow run to watch live and stop. Run as a script: ``python ui_pipelines.py seed|slow``."""

from __future__ import annotations

import sys
import time

from dagwell import LocalOrchestrator, StepRetryConfig, pipeline, step

MB = 10**6


@step(retry=StepRetryConfig(max_retries=3, delay=0.5, backoff=2.0))
def wait() -> None:
    print("allocating 400 MB", flush=True)
    block = bytearray(400 * MB)
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(1.0)


@pipeline(enable_cache=False)
def simple_ml_pipeline() -> None:
    for _ in range(10):
        wait()


@step(enable_cache=False)
def shout() -> dict[str, object]:
    print("<script>document.title='pwned'</script>", flush=True)
    return {"html": "<script>alert(1)</script>", "n": 3}


@pipeline(enable_cache=False)
def shouting() -> None:
    shout()


@step(enable_cache=False)
def nap(seconds: float = 60.0) -> None:
    print("napping", flush=True)
    time.sleep(seconds)


@pipeline(enable_cache=False)
def slow() -> None:
    for _ in range(3):
        nap()


if __name__ == "__main__":
    if sys.argv[1] == "seed":
        shouting.with_options(orchestrator=LocalOrchestrator())()
        seed = LocalOrchestrator(memory="1400MB", max_parallelism=10)
        print(simple_ml_pipeline.with_options(orchestrator=seed)().summary())
    else:
        slow.with_options(orchestrator=LocalOrchestrator(memory="1400MB"))()
