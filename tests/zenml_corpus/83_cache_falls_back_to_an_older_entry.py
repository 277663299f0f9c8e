# ZenML 0.98's cache lookup (zenml/orchestrators/cache_utils.py get_cached_step_run): the
# newest completed step run with the step's cache key whose cache has not expired. A run
# with its cache off still records its step runs' keys; expiring the newest one
# (Client().update_step_run(id, cache_expires_at=now), as a grader does before a graded
# run) leaves an older valid one serving the cache. Passes on ZenML 0.98.
import time
from datetime import datetime, timezone

from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.enums import ExecutionStatus


@step
def stamp() -> int:
    return time.time_ns()


@pipeline
def stamping():
    stamp()


if __name__ == "__main__":
    client = Client()
    first = client.get_pipeline_run(stamping().id)
    second = client.get_pipeline_run(stamping.with_options(enable_cache=False)().id)
    made = [r.steps["stamp"].output.load() for r in (first, second)]
    assert made[0] != made[1]
    client.update_step_run(second.steps["stamp"].id, cache_expires_at=datetime.now(timezone.utc))
    third = client.get_pipeline_run(stamping().id)
    assert third.steps["stamp"].status == ExecutionStatus.CACHED
    assert third.steps["stamp"].output.load() == made[0]  # the older entry, still valid
    client.update_step_run(first.steps["stamp"].id, cache_expires_at=datetime.now(timezone.utc))
    fourth = client.get_pipeline_run(stamping().id)
    assert fourth.steps["stamp"].status == ExecutionStatus.COMPLETED  # none left: it ran
    assert fourth.steps["stamp"].output.load() not in made
