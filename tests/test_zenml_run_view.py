"""Three ZenML 0.98 shapes real projects (zenml-io/zenml-projects) rely on.

- ``get_step_context().pipeline_run`` is the run's PipelineRunResponse
  (zenml/steps/step_context.py): ``.status``, ``.steps``, ``.created``, ``.pipeline``,
  ``.metadata`` (an object, not a dict), ``.config.settings``.
- ``save_artifact``/``register_artifact`` in a step add the version to that step run's
  outputs (zenml/artifacts/utils.py, ``_link_artifact_version_to_the_step_and_model``).
- ``Tag(name, color, exclusive, cascade)`` (zenml/utils/tag_utils.py) goes wherever
  ``tags=`` goes; a pipeline's ``cascade=True`` tag is put on every output of its steps
  (zenml/orchestrators/step_runner.py), cached ones too (sql_zen_store.py).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Annotated

import pytest

from dagwell import (
    ArtifactConfig,
    Client,
    LocalOrchestrator,
    Model,
    ResourceSettings,
    StepRetryConfig,
    Tag,
    add_tags,
    get_step_context,
    pipeline,
    save_artifact,
    step,
)


@step
def _first() -> int:
    return 1


@step
def _looks_at_its_run(x: int) -> dict:
    run = get_step_context().pipeline_run
    last = run.pipeline.last_run
    return {
        "pipeline": (run.pipeline.name, run.pipeline.id),
        "status": run.status.value,
        "created": isinstance(run.created, datetime),
        "steps": sorted(run.steps),
        "first": run.steps["_first"].status.value,
        "metadata_is_dict": isinstance(run.metadata, dict),
        "start_time": run.metadata.start_time == run.start_time,
        "memory": run.config.settings["resources"].memory,
        "enable_cache": run.config.enable_cache,
        "last_run": last.id == run.id,
    }


@pipeline(enable_cache=False, settings={"resources": ResourceSettings(memory="300MB")})
def _looking() -> None:
    _looks_at_its_run(_first())


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_the_step_context_pipeline_run_answers_what_the_recorded_run_answers(home, method):
    run = _looking.with_options(orchestrator=LocalOrchestrator(start_method=method))()
    seen = run.steps["_looks_at_its_run"].output.load()
    assert seen == {
        "pipeline": ("_looking", "_looking"),
        "status": "running",
        "created": True,
        "steps": ["_first", "_looks_at_its_run"],
        "first": "completed",
        "metadata_is_dict": False,  # ZenML's is PipelineRunResponseMetadata, not a dict
        "start_time": True,
        "memory": "300MB",
        "enable_cache": False,
        "last_run": True,
    }


def test_a_recorded_run_has_zenml_metadata_and_pipeline_id(home):
    run = Client().get_pipeline_run(_looking().id)
    assert not isinstance(run.metadata, dict)
    assert run.metadata.run_metadata == run.run_metadata
    assert (run.metadata.start_time, run.metadata.end_time) == (run.start_time, run.end_time)
    assert run.metadata.config.settings["resources"].memory == "300MB"
    assert run.pipeline.id == run.pipeline.name == "_looking"


@step
def _without_the_store(elsewhere: str) -> dict:
    """As on a step pod: the attempt's home is its own, with no run store in it."""
    os.environ["DAGWELL_HOME"] = elsewhere
    run = get_step_context().pipeline_run
    try:
        message = f"read {run.status}"
    except RuntimeError as error:
        message = str(error)
    return {"message": message, "kept": [run.name, run.id, run.pipeline.name, run.pipeline.id]}


@pipeline(enable_cache=False)
def _unreachable(elsewhere: str) -> None:
    _without_the_store(elsewhere)


def test_an_unreachable_run_store_is_a_clear_error_that_names_what_works(home, tmp_path):
    elsewhere = tmp_path / "pod-home"
    run = _unreachable(str(elsewhere))
    seen = run.steps["_without_the_store"].output.load()
    assert "pipeline_run.status reads the run store" in seen["message"]
    assert "DAGWELL_STORE_URL" in seen["message"] and ".name, .id" in seen["message"]
    assert seen["kept"] == [run.name, run.id, "_unreachable", "_unreachable"]
    assert not elsewhere.exists()  # looking for the store made none


@step
def _evaluates() -> Annotated[int, "score"]:
    save_artifact({"rouge1": 0.5}, "rouge_metrics")
    save_artifact({"rouge1": 0.6}, "rouge_metrics")
    return 3


@step
def _reads_saved(after_name: str) -> float:
    run = Client().get_pipeline_run(get_step_context().pipeline_run.id)
    return float(run.steps[after_name].outputs["rouge_metrics"][-1].load()["rouge1"])


@pipeline
def _saving() -> None:
    _evaluates()
    _reads_saved("_evaluates", after="_evaluates")


def test_an_artifact_saved_in_a_step_is_one_of_its_outputs_cached_too(home):
    run = _saving()
    outputs = run.steps["_evaluates"].outputs
    assert sorted(outputs) == ["rouge_metrics", "score"]
    assert [v.version for v in outputs["rouge_metrics"]] == ["1", "2"]
    assert outputs["score"][0].load() == 3
    assert run.steps["_evaluates"].regular_outputs["score"].load() == 3
    assert run.steps["_reads_saved"].output.load() == 0.6
    with pytest.raises(ValueError, match="has outputs"):  # ambiguous, as in ZenML
        _ = run.steps["_evaluates"].output
    again = Client().get_pipeline_run(_saving().id).steps["_evaluates"]
    assert again.status.value == "cached"
    assert [v.version for v in again.outputs["rouge_metrics"]] == ["1", "2"]


@step
def _saves_only() -> None:
    save_artifact([1, 2], "only_saved")


@step(retry=StepRetryConfig(max_retries=1, delay=0))
def _saves_then_fails_once() -> None:
    save_artifact(get_step_context().step_run.id, "attempted")
    if os.environ.get("DAGWELL_ATTEMPT_NUMBER") != "2":
        raise RuntimeError("first attempt fails")


@pipeline(enable_cache=False)
def _saving_only() -> None:
    _saves_only()
    _saves_then_fails_once()


def test_a_step_that_only_saves_has_that_output_and_a_retry_keeps_its_own(home):
    run = _saving_only()
    assert run.steps["_saves_only"].output.load() == [1, 2]
    # the attempt that ended well says what the step saved (the failed one saved too)
    assert [v.version for v in run.steps["_saves_then_fails_once"].outputs["attempted"]] == ["2"]


@step
def _produces() -> tuple[Annotated[int, ArtifactConfig(name="named", tags=[Tag(name="own")])], int]:
    return 1, 2


@pipeline(tags=[Tag(name="experiment", cascade=True)])
def _tagged() -> None:
    _produces()


def test_a_cascading_pipeline_tag_is_on_every_output_cached_ones_too(home):
    first = _tagged.with_options(
        tags=["plain", Tag(name="experiment", cascade=True), Tag(name="team", color="red")]
    )()
    # the run's own tags: the pipeline's and those with_options added (ZenML merges them)
    assert [t.name for t in Client().get_pipeline_run(first.id).tags] == [
        "experiment",
        "plain",
        "team",
    ]
    for run in (first, _tagged.with_options(tags=[Tag(name="later", cascade=True)])()):
        outputs = Client().get_pipeline_run(run.id).steps["_produces"].outputs
        named, unnamed = outputs["named"][0], outputs["output_1"][0]
        assert {t.name for t in named.tags} >= {"own", "experiment"}
        assert "experiment" in {t.name for t in unnamed.tags}
    assert {t.name for t in named.tags} == {"own", "experiment", "later"}  # cached: reused
    assert {t.name for t in unnamed.tags} == {"experiment", "later"}


def test_tag_goes_wherever_tags_go_and_exclusive_only_on_runs(home):
    from dagwell.utils.tag_utils import Tag as MirroredTag

    assert MirroredTag is Tag
    saved = save_artifact(1, "tagged_by_tag", tags=[Tag(name="a"), "b"])
    assert [t.name for t in saved.tags] == ["a", "b"]
    add_tags(tags=Tag(name="c"), artifact_version_id=saved.id)
    assert [t.name for t in Client().get_artifact_version(saved.id).tags] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="only be used with the pipeline decorator"):
        add_tags(tags=[Tag(name="d", cascade=True)], artifact_version_id=saved.id)
    assert Model(name="m", tags=[Tag(name="x"), "y"]).tags == ["x", "y"]
    assert ArtifactConfig(name="n", tags=[Tag(name="t")]).to_json()["tags"] == ["t"]
    exclusive = Tag(name="latest", exclusive=True)  # on a version once it exists, as ZenML
    add_tags(tags=[exclusive], artifact_version_id=saved.id)
    assert "latest" in [t.name for t in Client().get_artifact_version(saved.id).tags]
    with pytest.raises(ValueError, match=r"exclusive=True\) cannot be given here"):
        ArtifactConfig(name="n", tags=[exclusive]).to_json()


@step
def _reads_its_upstream(x: int) -> dict:
    first = get_step_context().pipeline_run.steps["_first"]
    return {"status": first.status.value, "outputs": sorted(first.outputs)}


@pipeline(enable_cache=False)
def _reading_upstream() -> None:
    _reads_its_upstream(_first())


def test_a_step_sees_its_upstream_steps_ended_though_their_record_is_still_being_written(
    home, monkeypatch
):
    """The orchestrator writes a step's end while the next one starts (the store write
    overlaps the launch). Before: a step reading its run through the step context could
    see the step whose output it was given still 'running', without outputs (a race,
    forced here with a slow flush). As in ZenML, the steps upstream of it have ended."""
    import functools

    from dagwell.engine import loop

    monkeypatch.setattr(
        loop, "EngineOptions", functools.partial(loop.EngineOptions, flush_interval=1.5)
    )
    run = _reading_upstream()
    seen = run.steps["_reads_its_upstream"].output.load()
    assert seen == {"status": "completed", "outputs": ["output"]}


@step
def _reads_its_upstream_through_the_client(x: int) -> dict:
    run = Client().get_pipeline_run(get_step_context().pipeline_run.id)
    first = run.steps["_first"]
    return {"status": first.status.value, "outputs": sorted(first.outputs)}


@pipeline(enable_cache=False)
def _reading_upstream_through_the_client() -> None:
    _reads_its_upstream_through_the_client(_first())


def test_a_step_reading_its_own_run_through_the_client_sees_its_upstream_steps_ended(
    home, monkeypatch
):
    """The same race as above, met by ZenML code that reads the run with
    Client().get_pipeline_run(...) inside a step: before, the step that fed it was
    'running' there, without outputs."""
    import functools

    from dagwell.engine import loop

    monkeypatch.setattr(
        loop, "EngineOptions", functools.partial(loop.EngineOptions, flush_interval=1.5)
    )
    run = _reading_upstream_through_the_client()
    seen = run.steps["_reads_its_upstream_through_the_client"].output.load()
    assert seen == {"status": "completed", "outputs": ["output"]}
