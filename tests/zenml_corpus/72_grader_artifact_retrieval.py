# The checks of a public grader for an "artifact retrieval" task (a ZenML user's tests:
# they read the recorded runs back with the Client), run against the two ways a ZenML
# user writes the entrypoint they grade: a one-step `region_report` pipeline given a
# historical artifact version, either passed in (Client().get_artifact_version(id) in the
# pipeline) or loaded in the step (load_artifact(id)); the grader requires that version's
# id among the step's recorded `inputs` ("any input type: passed in, or loaded with
# load_artifact") and reads each input's `input_type`. Before: an artifact passed in was
# shown with its content digest as id and the input's name as its artifact's, a loaded one
# was not an input at all, and 'ArtifactVersion' object has no attribute 'input_type' (also
# for get_step_context().inputs, checked at the end).
import json
from typing import Annotated, Any
from uuid import uuid4

from dagwell import get_step_context, load_artifact, pipeline, save_artifact, step
from dagwell.client import Client
from dagwell.enums import ExecutionStatus

SOURCE, NEW = "daily_report", "region_report"


@step
def load(date: str, scale: float) -> Annotated[dict, "events"]:
    return {"date": date, "north": 10 * scale, "south": 7 * scale}


@step
def summarise(events: dict) -> dict:
    regions = {k: {"total": v} for k, v in events.items() if k != "date"}
    return {"date": events["date"], "regions": regions, "total": sum(events[k] for k in regions)}


@pipeline(name=SOURCE)
def daily_report(date: str, scale: float):
    summarise(load(date, scale))


@step
def top_region(summary: dict) -> Annotated[dict, "region_top"]:
    region, stats = max(summary["regions"].items(), key=lambda kv: kv[1]["total"])
    return {"region": region, "total": stats["total"]}


@step
def top_region_loaded(version_id: str) -> Annotated[dict, "region_top"]:
    summary = load_artifact(version_id)
    region, stats = max(summary["regions"].items(), key=lambda kv: kv[1]["total"])
    return {"region": region, "total": stats["total"]}


@pipeline(name=NEW, enable_cache=False)
def region_report(version_id: str):
    top_region(Client().get_artifact_version(version_id))


@pipeline(name=NEW, enable_cache=False)
def region_report_loading(version_id: str):
    top_region_loaded(version_id)


@step
def inputs_seen(summary: dict, events: dict) -> dict:
    seen = get_step_context().inputs  # (ZenML's: the step's regular inputs)
    return {k: [str(v[0].id), str(v[0].input_type)] for k, v in seen.items()}


@pipeline(name="inputs_seen", enable_cache=False)
def inputs_seen_pipeline(version_id: str):
    inputs_seen(Client().get_artifact_version(version_id), load("x", 1.0))


def run_entrypoint(entrypoint: Any, version_id: str) -> Any:
    seen = {r.id for r in Client().list_pipeline_runs(size=500).items}
    entrypoint(version_id=version_id)
    new = [
        r
        for r in Client().list_pipeline_runs(sort_by="desc:created", size=10).items
        if r.id not in seen
    ]
    assert len(new) == 1 and new[0].pipeline.name == NEW
    return new[0]


def step_inputs(run: Any) -> list:
    assert len(run.steps) == 1, f"{NEW} must have exactly one step, has {list(run.steps)}"
    step = next(iter(run.steps.values()))
    return [(name, str(v.id), str(v.input_type)) for name, vs in step.inputs.items() for v in vs]


if __name__ == "__main__":
    for date, scale in (("2026-01-01", 1.0), ("2026-01-02", 3.0), ("2026-01-03", 2.0)):
        daily_report(date=date, scale=scale)

    # the grader's `correct` fixture: the summary of the run with the largest total
    runs = [
        r
        for r in Client().list_pipeline_runs(pipeline=SOURCE, size=100).items
        if r.status == ExecutionStatus.COMPLETED
    ]
    candidates = [(r.steps["summarise"].outputs["output"][0], r) for r in runs]
    version, run = max(candidates, key=lambda vr: vr[0].load()["total"])
    assert run.steps["load"].config.parameters["date"] == "2026-01-02"

    passed = run_entrypoint(region_report, str(version.id))
    inputs = step_inputs(passed)
    assert str(version.id) in {i for _, i, _ in inputs}, inputs
    assert inputs == [("summary", str(version.id), "lazy")]
    (taken,) = passed.steps["top_region"].inputs["summary"]
    assert taken.artifact.name == "daily_report::summarise::output" and taken.load() == version.load()
    assert passed.steps["top_region"].output.load() == {"region": "north", "total": 30.0}

    loaded = run_entrypoint(region_report_loading, str(version.id))
    inputs = step_inputs(loaded)
    assert inputs == [(version.artifact.name, str(version.id), "manual")], inputs
    step_run = loaded.steps["top_region_loaded"]
    assert step_run.regular_inputs == {}  # (loaded in the step: not one it was given)
    assert step_run.config.parameters == {"version_id": str(version.id)}

    # the grader's hidden run: an artifact version of its own, saved outside any run
    hidden = {"date": "x", "regions": {"east": {"total": 4.0}, "west": {"total": 9.5}}}
    av = save_artifact(hidden, name=f"grader_summary_{uuid4().hex[:6]}")
    for entrypoint in (region_report, region_report_loading):
        run = run_entrypoint(entrypoint, str(av.id))
        assert run.status == ExecutionStatus.COMPLETED
        assert str(av.id) in {i for _, i, _ in step_inputs(run)}
        (step_run,) = run.steps.values()
        assert json.loads(json.dumps(step_run.output.load())) == {"region": "west", "total": 9.5}
    seen = inputs_seen_pipeline(version_id=str(av.id)).steps["inputs_seen"]
    assert seen.output.load()["summary"] == [str(av.id), "lazy"]
    assert seen.output.load()["events"][1] == "step_output"
    assert {p.name for p in Client().list_pipelines(size=50).items} == {SOURCE, NEW, "inputs_seen"}
