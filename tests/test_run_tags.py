"""Tags of runs and pipelines, kept in the run store (SQLite and a real PostgreSQL).

ZenML 0.98's rules (zen_stores/sql_zen_store.py): a tag is made the first time it is
named; an exclusive one is on one run of each pipeline; a Tag given with another
``exclusive=`` than the recorded tag's is refused. Before (dagwell up to f09049b): run and
pipeline tags were dropped with a warning, ``list_pipeline_runs(tags=...)`` was refused
and ``Tag(exclusive=True)`` could not be made.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import pytest

from dagwell import Client, RunFailedError, Tag, add_tags, pipeline, step
from dagwell.core.records import Tag as RecordedTag
from dagwell.store import ChangeTags, Store, TagSpec


def _run(store: Store, run_id: str, pipeline_name: str) -> None:
    now = time.time()
    store.create_run(
        {
            "id": run_id,
            "name": f"{pipeline_name}-{run_id}",
            "pipeline": pipeline_name,
            "status": "completed",
            "plan": {"steps": []},
            "params": {},
            "orchestrator": {},
            "owner": "host:1:boot",
            "created_at": now,
            "started_at": now,
            "heartbeat_at": now,
            "stop_requested": False,
        },
        [],
        [ChangeTags("run", run_id, pipeline_name, now, add=(TagSpec("from_pipeline"),))],
    )


def _names(store: Store, *run_ids: str) -> list[list[str]]:
    found = store.tags_of("run", run_ids)
    return [[t["name"] for t in found[i]] for i in run_ids]


def test_tags_of_runs_and_pipelines_with_zenmls_rules(store_url: str) -> None:
    store = Store.open(store_url)
    for run_id, name in (("r1", "train"), ("r2", "train"), ("r3", "evaluate")):
        _run(store, run_id, name)
    assert _names(store, "r1", "r2", "r3") == [["from_pipeline"]] * 3
    best = (TagSpec("best", exclusive=True),)
    for run_id, name in (("r1", "train"), ("r3", "evaluate"), ("r2", "train")):
        store.write([ChangeTags("run", run_id, name, time.time(), add=best)])
    # an exclusive tag moved from r1 to r2 (same pipeline); r3's pipeline keeps its own
    assert _names(store, "r1", "r2", "r3") == [
        ["from_pipeline"],
        ["from_pipeline", "best"],
        ["from_pipeline", "best"],
    ]
    assert store.tags_of("run", ["r2"])["r2"][1] == {
        "name": "best",
        "exclusive": True,
        "color": None,
    }
    store.write([ChangeTags("run", "r1", "train", time.time(), add=(TagSpec("best"),))])
    assert _names(store, "r1", "r2")[1] == ["from_pipeline"]  # by name: still exclusive
    with pytest.raises(ValueError, match="`from_pipeline` has been defined as a non-exclusive"):
        store.write(
            [
                ChangeTags("run", "r2", "train", time.time(), add=(TagSpec("new"),)),
                ChangeTags(
                    "run", "r2", "train", time.time(), add=(TagSpec("from_pipeline", True),)
                ),
            ]
        )
    assert _names(store, "r2") == [["from_pipeline"]]  # the whole write was refused
    lenient = ChangeTags("run", "r2", "train", time.time(), add=best, strict=False)
    store.write([lenient, ChangeTags("run", "r2", "train", time.time(), remove=("gone",))])
    assert _names(store, "r1", "r2") == [["from_pipeline"], ["from_pipeline", "best"]]
    with pytest.raises(ValueError, match="exclusive tag `best` to a pipeline"):
        store.write([ChangeTags("pipeline", "train", None, time.time(), add=best)])
    store.write([ChangeTags("pipeline", "train", None, time.time(), add=(TagSpec("team"),))])
    assert store.tags_of("pipeline", ["train", "evaluate"]) == {
        "train": [{"name": "team", "exclusive": False, "color": None}],
        "evaluate": [],
    }
    store.close()


def test_a_store_of_0004_takes_tags_and_keeps_its_runs(tmp_path) -> None:
    from alembic import command
    from alembic.config import Config

    from dagwell.store.connect import _MIGRATIONS, make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0004_cached_step")
        conn.exec_driver_sql(
            "INSERT INTO runs (id, name, pipeline, status, plan, created_at, stop_requested) "
            "VALUES ('old1', 'old', 'p', 'completed', '{}', 1.0, 0)"
        )
    engine.dispose()
    store = Store.open(url)
    assert store.tags_of("run", ["old1"]) == {"old1": []}
    store.write([ChangeTags("run", "old1", "p", 2.0, add=(TagSpec("later"),))])
    assert _names(store, "old1") == [["later"]]
    store.close()


def test_a_tag_keeps_the_color_it_was_made_with(store_url: str) -> None:
    """ZenML keeps a tag's color (Tag(color=...), create_tag/update_tag(color=)); before,
    the color was dropped and there was no column for it. Given again, a Tag's color does
    not change the tag's (as ZenML: the color is set where the tag is made)."""
    store = Store.open(store_url)
    _run(store, "r1", "train")
    colored = (TagSpec("reviewed", color="blue"),)
    store.write([ChangeTags("run", "r1", "train", time.time(), add=colored)])
    again = (TagSpec("reviewed", color="red"),)
    store.write([ChangeTags("run", "r1", "train", time.time(), add=again)])
    assert store.tags_of("run", ["r1"])["r1"][1] == {
        "name": "reviewed", "exclusive": False, "color": "blue"
    }  # fmt: skip
    assert store.create_tag("made", False, time.time(), "red")
    store.set_tag_color("made", "green")
    assert {r["name"]: r["color"] for r in store.tag_rows()}["made"] == "green"
    store.close()


def test_a_store_of_0006_keeps_its_tags_which_read_as_their_names_color(tmp_path) -> None:
    from alembic import command
    from alembic.config import Config

    from dagwell.core.tag_colors import default_color
    from dagwell.store.connect import _MIGRATIONS, make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0006_cache_entries")
        conn.exec_driver_sql(
            "INSERT INTO tags (name, exclusive, created_at) VALUES ('old', 0, 1.0)"
        )
    engine.dispose()
    store = Store.open(url)
    assert [(r["name"], r["color"]) for r in store.tag_rows()] == [("old", None)]
    store.close()
    assert RecordedTag.of(
        {"name": "old", "exclusive": False, "color": None}
    ).color == default_color("old")


@step
def _tags_then_fails() -> Annotated[int, "never"]:
    add_tags(tags=["seen_before_the_failure", Tag(name="latest_failure", exclusive=True)])
    raise RuntimeError("the step fails after tagging its run")


@pipeline(enable_cache=False, tags=["nightly"])
def _failing_tagged() -> None:
    _tags_then_fails()


def test_tags_a_failing_step_put_on_its_run_are_recorded(home) -> None:
    """As in ZenML, where add_tags writes at once: the attempt's manifest carries them to
    the orchestrator, which records them although the step failed; an exclusive one then
    stays on the newest failed run of the pipeline only."""
    runs = []
    for _ in range(2):
        with pytest.raises(RunFailedError) as failed:
            _failing_tagged()
        runs.append(failed.value.run)
    client = Client()
    first, second = (sorted(t.name for t in client.get_pipeline_run(r.id).tags) for r in runs)
    assert first == ["nightly", "seen_before_the_failure"]
    assert second == ["latest_failure", "nightly", "seen_before_the_failure"]
    found = client.list_pipeline_runs(tags=["latest_failure"])
    assert [r.id for r in found] == [runs[1].id]


def _tag_on_success() -> None:
    add_tags(tags=["hooked"])  # a hook runs in the orchestrator: recorded at once


@step(on_success=_tag_on_success)
def _untags_its_run() -> int:
    from dagwell.utils.tag_utils import remove_tags

    remove_tags(tags=["drop_me"])
    return 1


@pipeline(enable_cache=False, tags=["drop_me", "keep"])
def _retagged() -> None:
    _untags_its_run()


def test_a_step_takes_its_runs_tags_off_and_its_hook_puts_some_on(home) -> None:
    """The same as ZenML 0.98 gives (checked there): ['hooked', 'keep']."""
    run = _retagged()
    assert sorted(t.name for t in Client().get_pipeline_run(run.id).tags) == ["hooked", "keep"]


def test_a_tag_is_made_exclusive_only_where_it_can_be(store_url: str) -> None:
    store = Store.open(store_url)
    for run_id in ("r1", "r2"):
        _run(store, run_id, "train")
    with pytest.raises(ValueError, match="more than one run of pipeline 'train'"):
        store.set_tag_exclusive("from_pipeline", True)
    store.write([ChangeTags("run", "r1", "train", time.time(), remove=("from_pipeline",))])
    store.set_tag_exclusive("from_pipeline", True)
    store.write([ChangeTags("run", "r1", "train", time.time(), add=(TagSpec("from_pipeline"),))])
    assert _names(store, "r1", "r2") == [["from_pipeline"], []]  # exclusive now: it moved
    store.write([ChangeTags("pipeline", "train", None, time.time(), add=(TagSpec("team"),))])
    with pytest.raises(ValueError, match="`team` can not be made exclusive because it is on"):
        store.set_tag_exclusive("team", True)
    assert store.create_tag("team", False, time.time()) is False  # exists already
    store.close()


def _waiting_for_a_lock(store: Store) -> bool:
    from sqlalchemy import text

    with store.engine.connect() as conn:
        query = "SELECT count(*) FROM pg_locks WHERE NOT granted"
        return bool(conn.execute(text(query)).scalar())


def _while_uncommitted(store: Store, first: ChangeTags, second: Any) -> list[BaseException]:
    """Apply ``first`` in a transaction left open until ``second()`` (another writer) has
    ended or waits for a lock; then commit it and wait for ``second``. What it raised."""
    import threading

    from dagwell.store import tags

    conn = store.engine.connect()
    conn.begin()
    tags.apply(conn, first)
    raised: list[BaseException] = []

    def run_second() -> None:
        try:
            second()
        except BaseException as error:  # handed to the test
            raised.append(error)

    thread = threading.Thread(target=run_second)
    thread.start()
    deadline = time.monotonic() + 30
    while thread.is_alive() and not _waiting_for_a_lock(store):
        assert time.monotonic() < deadline, "the second writer neither ended nor waited"
        time.sleep(0.01)
    conn.commit()
    conn.close()
    thread.join(30)
    assert not thread.is_alive()
    return raised


def _holding(store: Store, tag: str) -> list[str]:
    found = store.tags_of("run", ["r1", "r2"])
    return [run_id for run_id in ("r1", "r2") if tag in [t["name"] for t in found[run_id]]]


def test_two_writers_putting_an_exclusive_tag_on_two_runs_leave_it_on_one(
    postgres_url: str,
) -> None:
    """Two PostgreSQL writers put exclusive `latest` on r1 and r2 of a pipeline. Before,
    the second neither saw the first's uncommitted link nor waited for it, and both runs
    kept the tag; now the tag's row is locked: the second goes on after the first's commit
    and takes the tag from r1."""
    store = Store.open(postgres_url)
    for run_id in ("r1", "r2"):
        _run(store, run_id, "train")
    now = time.time()
    store.create_tag("latest", True, now)
    raised = _while_uncommitted(
        store,
        ChangeTags("run", "r1", "train", now, add=(TagSpec("latest"),)),
        lambda: store.write([ChangeTags("run", "r2", "train", now, add=(TagSpec("latest"),))]),
    )
    assert not raised
    assert _holding(store, "latest") == ["r2"]
    store.close()


def test_a_tag_made_exclusive_beside_a_writer_attaching_it_is_refused(postgres_url: str) -> None:
    """r1 has plain `latest`; one writer attaches it to r2 (uncommitted) while another makes
    it exclusive. Before, the second's check saw only r1 and the tag ended exclusive on two
    runs of one pipeline; now it waits for the first and refuses, naming the pipeline."""
    store = Store.open(postgres_url)
    for run_id in ("r1", "r2"):
        _run(store, run_id, "train")
    now = time.time()
    store.write([ChangeTags("run", "r1", "train", now, add=(TagSpec("latest"),))])
    raised = _while_uncommitted(
        store,
        ChangeTags("run", "r2", "train", now, add=(TagSpec("latest"),)),
        lambda: store.set_tag_exclusive("latest", True),
    )
    assert [str(e) for e in raised] == [
        "Tag `latest` can not be made exclusive: more than one run of pipeline 'train' has "
        "it. Remove it from all but one (remove_tags(run=...))."
    ]
    assert _holding(store, "latest") == ["r1", "r2"]
    store.close()
