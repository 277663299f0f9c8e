# The store-integrity checks a public grader runs on every graded ZenML run (its
# store_integrity.assert_genuine_run, "observed on ZenML 0.96.4"): a completed step has a
# cache_key and its outputs are step outputs it produced, whose uri exists; a cached step
# names its original step run, a completed one in another run with the same cache_key, and
# shows that run's very artifact versions. Run here on the grader's "nondeterministic step"
# task in the shape it asks for: the loader is a cache hit the second time, the sampler
# (enable_cache=False) runs again and draws another sample. Before: 'StepRun' object has no
# attribute 'cache_key'.
import random
from pathlib import Path
from typing import Annotated, Any

import pandas as pd

from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.enums import ArtifactSaveType, ExecutionStatus

COMPLETED, CACHED = ExecutionStatus.COMPLETED, ExecutionStatus.CACHED
PIPELINE, STEPS = "qa_sampling", ["load_events", "sample_events", "review_report"]
N = 5


def output_ids(step: Any) -> dict:
    return {k: sorted(str(v.id) for v in vs) for k, vs in step.outputs.items()}


def assert_genuine_step(run: Any, name: str, step: Any) -> None:
    label = f"{run.name}.{name}"
    if step.status == COMPLETED:
        assert step.cache_key, f"{label}: completed step has no cache key"
        for key, versions in step.outputs.items():
            for v in versions:
                assert v.save_type == ArtifactSaveType.STEP_OUTPUT, f"{label}.{key}: {v.save_type}"
                assert v.producer_step_run_id == step.id, f"{label}.{key}: another producer"
                assert not str(v.uri).startswith("/") or Path(v.uri).exists(), f"{v.uri}"
    elif step.status == CACHED:
        assert step.original_step_run_id, f"{label}: marked cached but records no original"
        orig = Client().get_run_step(step.original_step_run_id)
        assert orig.status == COMPLETED, f"{label}: original is {orig.status}"
        assert orig.pipeline_run_id != run.id, f"{label}: original step run is in the same run"
        assert orig.cache_key == step.cache_key, f"{label}: cache key differs from the original's"
        assert output_ids(step) == output_ids(orig), f"{label}: outputs are not the original's"
        for key, versions in step.outputs.items():
            for v in versions:
                assert v.save_type == ArtifactSaveType.STEP_OUTPUT
                assert v.producer_step_run_id == orig.id, f"{label}.{key}: not the original's"
    else:
        raise AssertionError(f"{label}: status {step.status}")


def assert_genuine_run(run: Any) -> None:
    assert run.status == COMPLETED, f"{run.name}: status {run.status}"
    assert run.steps, f"{run.name}: no step runs"
    for name, step in run.steps.items():
        assert_genuine_step(run, name, step)


@step
def load_events() -> Annotated[pd.DataFrame, "events"]:
    return pd.DataFrame({"event_id": range(100), "amount": [float(i % 7) for i in range(100)]})


@step(enable_cache=False)
def sample_events(events: pd.DataFrame, n: int) -> Annotated[pd.DataFrame, "review_sample"]:
    valid = events[events["amount"] > 0]
    return valid.sample(n=n, random_state=random.randrange(10**9))


@step
def review_report(sample: pd.DataFrame) -> Annotated[dict, "review_report"]:
    return {
        "n": len(sample),
        "event_ids": [int(i) for i in sample["event_id"]],
        "total_amount": round(float(sample["amount"].sum()), 2),
    }


@pipeline(name=PIPELINE)
def qa_sampling(n: int):
    review_report(sample_events(load_events(), n=n))


def sample_ids(run: Any) -> list:
    df = run.steps["sample_events"].outputs["review_sample"][0].load()
    return sorted(int(i) for i in df["event_id"])


if __name__ == "__main__":
    runs = [qa_sampling(n=N), qa_sampling(n=N)]
    runs = [Client().get_pipeline_run(r.id) for r in runs]
    for r in runs:
        assert r.status == ExecutionStatus.COMPLETED
        assert r.pipeline.name == PIPELINE
        assert list(r.steps) == STEPS, f"steps are {list(r.steps)}"
    assert runs[1].steps["load_events"].status == ExecutionStatus.CACHED
    assert runs[1].steps["sample_events"].status == ExecutionStatus.COMPLETED
    a, b = sample_ids(runs[0]), sample_ids(runs[1])
    assert len(set(a)) == N and len(set(b)) == N and a != b
    for r in runs:
        rep = r.steps["review_report"].outputs["review_report"][0].load()
        assert rep["n"] == N and sorted(rep["event_ids"]) == sample_ids(r)
        assert_genuine_run(r)
    first, second = (r.steps["load_events"] for r in runs)
    assert second.cache_key == first.cache_key
    assert {p.name for p in Client().list_pipelines(size=50).items} == {PIPELINE}
