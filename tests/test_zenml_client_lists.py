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
    assert len(client.list_pipeline_runs(stack_id=client.active_stack_model.id)) == 3
    assert len(client.list_pipeline_runs(stack_id="another stack")) == 0  # (there is one)
    with pytest.raises(ValueError, match="no stack components"):
        client.list_pipeline_runs(stack_component="abc")
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


# -- big homes: the store's query does the filtering, sorting and paging ------------------


def _many_runs(store_url: str, n: int = 30) -> list[str]:
    """``n`` runs of pipeline "p" (every third of "q"), one a second, oldest first; each
    with steps a and b; all completed except every fifth (left running, not ended)."""
    from dagwell.store import Batch, Store, UpdateRun, UpdateStep
    from test_store import new_run

    store = Store.open(store_url)
    ids, batch = [], Batch()
    for i in range(n):
        run_id = new_run(store, run_id=f"r{i:02d}{0:09d}", pipeline="q" if i % 3 == 0 else "p",
                         created=1_700_000_000.0 + i)  # fmt: skip
        ids.append(run_id)
        batch.add(UpdateStep(run_id, "a", {"started_at": 1_700_000_000.5 + i}))
        if i % 5:
            batch.add(UpdateRun(run_id, {"status": "completed", "ended_at": 1_700_000_001.0 + i}))
    store.write(batch)
    store.close()
    return ids


class _Spy:
    """Records each call of the store's reading methods and how many rows it returned."""

    def __init__(self, store: object, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, int | None]] = []
        for name in ("list_runs", "step_rows", "run_totals", "list_steps"):
            if hasattr(store, name):
                monkeypatch.setattr(store, name, self._wrap(name, getattr(store, name)))

    def _wrap(self, name, real):
        def spy(*args, **kwargs):
            found = real(*args, **kwargs)
            self.calls.append((name, len(found) if isinstance(found, list) else None))
            return found

        return spy

    def rows(self, name: str) -> int:
        return sum(n or 0 for called, n in self.calls if called == name)

    def count(self, name: str) -> int:
        return sum(1 for called, _ in self.calls if called == name)


def test_a_page_of_runs_reads_only_that_page_from_the_store(store_url, tmp_path, monkeypatch):
    ids = _many_runs(store_url)
    client = Client(tmp_path / "home", store_url=store_url)
    spy = _Spy(client.store(), monkeypatch)
    page = client.list_pipeline_runs(size=1, page=3)
    assert [r.id for r in page] == [ids[-3]] and page[0].steps  # (with its steps)
    assert (page.total, page.total_pages) == (30, 30)
    assert spy.rows("list_runs") == 1 and spy.count("step_rows") == 1  # not all 30 runs
    assert spy.count("run_totals") == 0
    spy.calls.clear()
    p_runs = client.list_pipeline_runs(pipeline_name="p", status="completed", size=3)
    expected = [i for n, i in enumerate(ids) if n % 3 and n % 5][::-1]
    assert [r.id for r in p_runs] == expected[:3] and p_runs.total == len(expected)
    assert spy.rows("list_runs") == 3 and spy.count("step_rows") == 3
    oldest = client.list_pipeline_runs(sort_by="asc:created", name=f"q-{ids[3]}")
    assert [r.id for r in oldest] == [ids[3]]
    # a filter the store cannot do gives the same runs as the store's own query
    same = client.list_pipeline_runs(pipeline_name='oneof:["p"]', status="completed", size=3)
    assert [r.id for r in same] == [r.id for r in p_runs] and same.total == p_runs.total
    client.close()


def test_lists_are_a_page_of_twenty_unless_told_as_in_zenml(store_url, tmp_path):
    ids = _many_runs(store_url)
    client = Client(tmp_path / "home", store_url=store_url)
    runs = client.list_pipeline_runs()
    assert [r.id for r in runs] == ids[::-1][:20] and (runs.total, runs.total_pages) == (30, 2)
    assert len(client.list_pipeline_runs(size=100)) == 30
    steps = client.list_run_steps()
    assert (len(steps), steps.total) == (20, 60)
    client.close()


def test_a_pipelines_runs_are_its_twenty_newest_as_in_zenml(store_url, tmp_path, monkeypatch):
    # before: get_pipeline(name).runs read up to 1000 runs, each with its steps
    ids = _many_runs(store_url, 40)
    client = Client(tmp_path / "home", store_url=store_url)
    view = client.get_pipeline("p")
    spy = _Spy(client.store(), monkeypatch)
    runs = view.runs
    newest = [i for n, i in enumerate(ids) if n % 3][::-1][:20]
    assert [r.id for r in runs] == newest and runs[0].steps  # (with their steps)
    assert spy.rows("list_runs") == 20 and spy.count("step_rows") == 20
    client.close()


def test_pipelines_and_step_runs_are_listed_without_reading_every_run(
    store_url, tmp_path, monkeypatch
):
    ids = _many_runs(store_url, 26)  # (p's newest run is still running)
    client = Client(tmp_path / "home", store_url=store_url)
    spy = _Spy(client.store(), monkeypatch)
    pipelines = client.list_pipelines()
    assert [p.name for p in pipelines] == ["q", "p"]  # by creation: q's first run is older
    assert [p.name for p in client.list_pipelines(latest_run_status="running")] == ["p"]
    assert spy.count("list_runs") == 0 and spy.count("step_rows") == 0
    started = client.list_run_steps(sort_by="desc:created", size=2)
    assert [s.id for s in started] == [f"{ids[-1]}/a", f"{ids[-2]}/a"] and started.total == 52
    assert spy.count("step_rows") == 2 and spy.rows("list_steps") == 2
    spy.calls.clear()
    one_run = client.list_run_steps(pipeline_run_id=ids[4], name="b")
    assert [s.id for s in one_run] == [f"{ids[4]}/b"] and one_run.total == 1
    assert spy.count("step_rows") == 1
    # other sorts and filters: in memory, the same answers
    ended = client.list_run_steps(sort_by="asc:start_time", name='oneof:["a"]', size=2)
    assert [s.id for s in ended] == [f"{ids[0]}/a", f"{ids[1]}/a"] and ended.total == 26
    unstarted = client.list_run_steps(name="b", size=2)  # (not started: first, in run order)
    assert [s.id for s in unstarted] == [f"{ids[0]}/b", f"{ids[1]}/b"]
    client.close()


# -- ZenML's signatures: the first positional argument is sort_by ------------------------


def test_a_name_given_where_sort_by_goes_says_to_write_name(home):
    save_artifact(1, name="x")
    client = Client()
    with pytest.raises(ValueError, match=r"list_artifact_versions\(name='x'\)"):
        client.list_artifact_versions("x")
    with pytest.raises(ValueError, match=r"list_artifacts\(name='x'\)"):
        client.list_artifacts("x")
    assert [a.name for a in client.list_artifact_versions("desc:created", name="x")] == ["x"]


def test_artifact_version_lists_are_pages_of_twenty_and_an_artifact_has_all(home):
    for i in range(23):
        save_artifact(i, name="many")
    client = Client()
    versions = client.list_artifact_versions(name="many")
    assert [a.version for a in versions] == [str(i) for i in range(1, 21)]
    assert versions.total == 23
    artifact = client.get_artifact("many")
    assert len(artifact.versions) == 23 and artifact.latest_version_name == "23"


# -- ZenML's filter semantics (zenml/models/v2/base/filter.py) ----------------------------


def test_a_missing_value_matches_no_comparison_only_isnull():
    from dagwell.api.list_filters import matches

    for wanted in ("notequals:x", "notcontains:x", 'notoneof:["x"]', "gte:2024-01-01 00:00:00",
                   "lt:5", "startswith:N", "contains:one", "x"):  # fmt: skip
        assert not matches(None, wanted), wanted
    assert matches(None, "isnull:") and not matches(None, "isnotnull:")
    assert matches("", "isnotnull:") and not matches(0, "isnull:")


def test_runs_without_an_end_are_not_unequal_to_a_time(store_url, tmp_path):
    ids = _many_runs(store_url)
    client = Client(tmp_path / "home", store_url=store_url)
    ended = client.list_pipeline_runs(end_time="notequals:2000-01-01 00:00:00", size=100)
    assert {r.id for r in ended} == {i for n, i in enumerate(ids) if n % 5}
    client.close()


def test_zenml_negations_notoneof_and_notcontains(store_url, tmp_path):
    ids = _many_runs(store_url)
    client = Client(tmp_path / "home", store_url=store_url)
    running = client.list_pipeline_runs(status='notoneof:["completed", "failed"]', size=100)
    assert {r.id for r in running} == {i for n, i in enumerate(ids) if n % 5 == 0}
    not_q = client.list_pipeline_runs(pipeline_name="notcontains:q", size=100)
    assert {r.id for r in not_q} == {i for n, i in enumerate(ids) if n % 3}
    client.close()


def test_isnull_and_isnotnull_take_no_value(store_url, tmp_path):
    ids = _many_runs(store_url)
    client = Client(tmp_path / "home", store_url=store_url)
    unended = client.list_pipeline_runs(end_time="isnull:", size=100)
    assert {r.id for r in unended} == {i for n, i in enumerate(ids) if n % 5 == 0}
    assert client.list_pipeline_runs(end_time="isnotnull:", size=100).total == 24
    with pytest.raises(ValueError, match="isnull: takes no value"):
        client.list_pipeline_runs(end_time="isnull:2024-01-01 00:00:00")
    client.close()


def test_logical_operator_or_lists_what_passes_any_filter(store_url, tmp_path):
    ids = _many_runs(store_url)
    client = Client(tmp_path / "home", store_url=store_url)
    either = client.list_pipeline_runs(
        logical_operator="or", name=f"p-{ids[1]}", status="running", size=100
    )
    assert {r.id for r in either} == {ids[1]} | {i for n, i in enumerate(ids) if n % 5 == 0}
    with pytest.raises(ValueError, match="'and' or 'or'"):
        client.list_pipeline_runs(logical_operator="xor")
    client.close()


def test_artifact_versions_filter_by_a_name_operator(home):
    save_artifact(1, name="x1")
    save_artifact(2, name="x2")
    save_artifact(3, name="y")
    client = Client()
    assert [a.name for a in client.list_artifact_versions(name="startswith:x")] == ["x1", "x2"]
    assert [a.name for a in client.list_artifact_versions(name="notequals:x1")] == ["x2", "y"]


def test_zenml_defaults_passed_on_and_step_run_filters_dagwell_lacks(home):
    # before: only_unused=False (ZenML's default) was refused as "no usage tracking", and
    # ZenML's own list_run_steps filters were "unexpected keyword arguments"
    save_artifact(1, name="x")
    client = Client()
    assert [a.name for a in client.list_artifact_versions(name="x", only_unused=False)] == ["x"]
    with pytest.raises(ValueError, match="no usage tracking"):
        client.list_artifact_versions(name="x", only_unused=True)
    run = _listed()
    for retried in (True, False):  # (a retry is an attempt of its step run)
        steps = client.list_run_steps(pipeline_run_id=run.id, exclude_retried=retried)
        assert {s.name for s in steps} == {"_one", "_plus"}
    with pytest.raises(ValueError, match=r"list_run_steps\(cache_key=...\).*cached_from"):
        client.list_run_steps(cache_key="abc")
    with pytest.raises(ValueError, match="no snapshots"):
        client.list_run_steps(snapshot_id="abc")
    with pytest.raises(TypeError, match="unexpected keyword argument 'nme'"):
        client.list_run_steps(nme="x")


def test_zenmls_artifact_and_pipeline_filters_updated_has_custom_name_latest_run_user(home):
    # before: list_artifacts(has_custom_name=, updated=) and list_pipelines(updated=,
    # latest_run_user=), all ZenML 0.98 arguments, were "unexpected keyword arguments"
    save_artifact(1, name="mine")
    _listed()
    client = Client()
    named = [a.name for a in client.list_artifacts(has_custom_name=True, size=50)]
    unnamed = [a.name for a in client.list_artifacts(has_custom_name=False, size=50)]
    assert named == ["mine"] and unnamed and "mine" not in unnamed
    assert [a.name for a in client.list_artifacts(name="mine", updated="gte:2020-01-01 00:00:00")]
    assert not client.list_artifacts(name="mine", updated="lt:2020-01-01 00:00:00").items
    assert [p.name for p in client.list_pipelines(updated="gte:2020-01-01 00:00:00")] == ["_listed"]
    assert not client.list_pipelines(updated="lt:2020-01-01 00:00:00").items
    with pytest.raises(ValueError, match="no user"):
        client.list_pipelines(latest_run_user="someone")


def test_numbers_in_strings_compare_as_numbers_and_times_have_ranges():
    from datetime import UTC, datetime

    from dagwell.api.list_filters import matches

    assert matches("10", "gte:9") and not matches("10", "lt:9") and not matches("abc", "gt:1")
    moment = datetime(2024, 1, 15, tzinfo=UTC)
    assert matches(moment, "in:2024-01-01 00:00:00,2024-02-01 00:00:00")
    assert not matches(moment, "in:2024-02-01 00:00:00,2024-03-01 00:00:00")
    assert matches(False, "false") and matches(["a", "b"], "equals:b")  # (a tag list: any tag)


def test_logical_operators_is_importable_from_enums_as_in_zenml(store_url, tmp_path):
    from dagwell.enums import LogicalOperators

    ids = _many_runs(store_url)
    client = Client(tmp_path / "home", store_url=store_url)
    names = [f"p-{ids[1]}", f"p-{ids[2]}"]
    either = client.list_pipeline_runs(logical_operator=LogicalOperators.OR, name=names)
    assert {r.id for r in either} == {ids[1], ids[2]}  # (a list: one filter per item)
    assert client.list_pipeline_runs(name=names).total == 0  # (and: both names at once)
    client.close()


def test_update_model_version_renames_describes_and_checks_its_stage(home):
    """ZenML's update_model_version (corpus piece 70 promotes and tags with it): a new name
    another version has is an EntityExistsError (ZenML's database raises an IntegrityError),
    a stage that is no stage a ValueError, and nothing changes when either is refused."""
    _listed()
    _listed()
    client = Client()
    with pytest.raises(EntityExistsError, match="has a version named '1' already"):
        client.update_model_version("lists", "2", name="1", stage=ModelStages.STAGING)
    with pytest.raises(ValueError, match="Unknown model stage 'latest'"):
        client.update_model_version("lists", "2", stage=ModelStages.LATEST, name="two")
    assert client.get_model_version("lists", "2").stage is None
    changed = client.update_model_version(
        "lists", "2", name="two", description="better", stage=ModelStages.PRODUCTION
    )
    assert (changed.name, changed.number, changed.description) == ("two", 2, "better")
    assert client.get_model_version("lists", "two").stage == "production"
    assert client.get_model_version("lists", ModelStages.PRODUCTION).number == 2


def test_update_step_run_expires_the_cache_now_and_refuses_a_later_expiry(home):
    """ZenML's update_step_run(cache_expires_at=now) (corpus piece 73): the step runs again
    next time; a time still to come is refused (dagwell keeps no expiry times)."""
    from datetime import UTC, datetime, timedelta

    @pipeline(name="cached_twice")
    def cached_twice() -> None:
        _plus(_one.with_options(enable_cache=True)())

    first = cached_twice()
    step_id = first.steps["_one"].id
    later = datetime.now(UTC) + timedelta(hours=1)
    with pytest.raises(ValueError, match="keeps no expiry times"):
        Client().update_step_run(step_id, cache_expires_at=later)
    assert cached_twice().steps["_one"].status == "cached"
    Client().update_step_run(step_id, cache_expires_at=datetime.now(UTC))
    assert cached_twice().steps["_one"].status == "completed"
    assert cached_twice().steps["_one"].status == "cached"  # (the new run is the cache now)
