"""ZenML's Client lists with their filters, sorting and paging, and the Client methods
ZenML code calls to make models and read step runs (found by running real ZenML code with
only its imports changed; each test failed before: filters were accepted and ignored)."""

from __future__ import annotations

import pytest

from dagwell import Model, pipeline, save_artifact, step
from dagwell.client import Client
from dagwell.enums import ModelStages
from dagwell.exceptions import EntityExistsError


@step(enable_cache=False)
def _one() -> int:
    return 1


@step(enable_cache=False)
def _plus(x: int) -> int:
    return x + 1


@pipeline(model=Model(name="lists"), enable_cache=False)
def _listed() -> None:
    _plus(_one())


def test_run_lists_filter_sort_and_page(home):
    runs = [_listed() for _ in range(3)]
    client = Client()
    oldest_first = client.list_pipeline_runs(sort_by="asc:created")
    assert [r.id for r in oldest_first] == [r.id for r in runs]
    assert [r.id for r in client.list_pipeline_runs()] == [r.id for r in reversed(runs)]
    named = client.list_pipeline_runs(name=runs[1].name)
    assert [r.id for r in named] == [runs[1].id] and named[0].steps  # with its steps
    second_page = client.list_pipeline_runs(sort_by="asc:created", size=2, page=2)
    assert [r.id for r in second_page] == [runs[2].id]
    assert (second_page.total, second_page.index, second_page.total_pages) == (3, 2, 2)
    assert len(client.list_pipeline_runs(name=f"startswith:{runs[0].name[:8]}")) == 3
    assert len(client.list_pipeline_runs(status="completed", in_progress=False)) == 3
    with pytest.raises(ValueError, match="no stacks"):
        client.list_pipeline_runs(stack_id="abc")
    with pytest.raises(TypeError, match="unexpected keyword argument 'nme'"):
        client.list_pipeline_runs(nme="x")


def test_model_version_lists_filter_by_stage_and_number(home):
    for _ in range(3):
        _listed()
    Model(name="lists", version="2").set_stage(ModelStages.PRODUCTION)
    client = Client()
    production = client.list_model_versions(model_name_or_id="lists", stage=ModelStages.PRODUCTION)
    assert [v.name for v in production] == ["2"]
    assert [v.name for v in client.list_model_versions("lists", number="gte:2")] == ["2", "3"]
    newest = client.list_model_versions(model_name_or_id="lists", sort_by="desc:number", size=1)
    assert [v.number for v in newest] == [3]


def test_artifact_version_lists_filter_and_sort(home):
    for i in range(3):
        save_artifact(i, name="x")
    save_artifact("other", name="y")
    client = Client()
    latest = client.list_artifact_versions(name="x", sort_by="desc:created", size=1)
    assert [a.version for a in latest] == ["3"] and latest[0].load() == 2
    assert {a.name for a in client.list_artifact_versions(artifact="x")} == {"x"}
    assert [a.version for a in client.list_artifact_versions(name="x", version_number="lt:3")] == [
        "1",
        "2",
    ]
    assert [a.name for a in client.list_artifacts(name="contains:y")] == ["y"]


def test_models_are_made_and_step_runs_read_as_zenml_code_does(home):
    client = Client()
    made = client.create_model("made", description="by hand", tags=["t"])
    assert made.name == "made" and made.description == "by hand"
    with pytest.raises(EntityExistsError):
        client.create_model("made")
    version = client.create_model_version("made", name="first")
    assert (version.name, version.number) == ("first", 1)
    assert [m.name for m in client.list_models(name="made")] == ["made"]
    run = _listed()
    plus = run.steps["_plus"]
    assert client.get_run_step(plus.id).output.load() == 2
    assert plus.inputs["x"][0].load() == 1 and plus.input.load() == 1
    assert plus.start_time == plus.started_at and run.end_time == run.ended_at
    assert {s.name for s in client.list_run_steps(pipeline_run_id=run.id)} == {"_one", "_plus"}
    assert plus.output.producer_step_run_id == plus.id and plus.output.created is not None
    with pytest.raises(AttributeError, match="keeps every run"):
        client.delete_pipeline_run(run.id)
