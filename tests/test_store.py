"""The run store on both backends: SQLite (WAL) and a real PostgreSQL 15."""

import contextlib
import multiprocessing
import time

import pytest

from dagwell.core.errors import ConfigError, RunNotFound, StoreError
from dagwell.store import (
    AttemptWrite,
    Batch,
    PutCache,
    RecordArtifacts,
    Store,
    UpdateRun,
    UpdateStep,
)


def new_run(store, run_id="abc123def456", pipeline="p", steps=("a", "b"), created=None):
    now = created or time.time()
    store.create_run(
        {
            "id": run_id,
            "name": f"{pipeline}-{run_id}",  # unique, as run names are
            "pipeline": pipeline,
            "status": "running",
            "plan": {"steps": []},
            "params": {},
            "orchestrator": {},
            "owner": "host:1:boot",
            "created_at": now,
            "started_at": now,
            "heartbeat_at": now,
            "stop_requested": False,
        },
        [
            {
                "run_id": run_id,
                "step_id": s,
                "name": s.split("_")[0],
                "position": i,
                "status": "pending",
                "upstream": [],
                "params": {},
            }
            for i, s in enumerate(steps)
        ],
    )
    return run_id


def test_runs_steps_attempts_round_trip(store_url):
    store = Store.open(store_url)
    run_id = new_run(store)
    batch = Batch()
    batch.add(
        AttemptWrite(
            run_id, "a", 1, {"status": "running", "memory_limit": 200, "started_at": 1.0}, "upsert"
        )
    )
    batch.add(
        AttemptWrite(
            run_id,
            "a",
            1,
            {
                "status": "failed",
                "failure_kind": "oom_killed",
                "failure_message": "m",
                "exit_code": None,
                "signal": 9,
                "peak_memory": 250,
                "ended_at": 2.0,
                "oom_scope": "own_limit",
                "budget": "step",
                "backoff": 0.5,
            },
        )
    )
    batch.add(UpdateStep(run_id, "a", {"status": "completed", "outputs": {"output": {"d": 1}}}))
    batch.add(
        RecordArtifacts(
            [
                {
                    "digest": "d" * 64,
                    "materializer": "json",
                    "type_name": "int",
                    "size": 1,
                    "python": None,
                }
            ]
            * 2,
            1.0,
        )
    )
    batch.add(PutCache("k" * 64, run_id, "a", {"output": {"d": 1}}, 1.0))
    batch.add(PutCache("k" * 64, run_id, "a", {"output": {"d": 2}}, 2.0))
    batch.add(UpdateRun(run_id, {"status": "completed", "ended_at": 3.0}))
    store.write(batch)
    attempt = store.attempt_rows(run_id)[0]
    assert attempt["status"] == "failed" and attempt["memory_limit"] == 200
    assert attempt["peak_memory"] == 250 and attempt["signal"] == 9
    steps = store.step_rows(run_id)
    assert [s["step_id"] for s in steps] == ["a", "b"]
    assert steps[0]["outputs"] == {"output": {"d": 1}}
    assert store.cache_get("k" * 64)["outputs"] == {"output": {"d": 2}}
    from sqlalchemy import select

    from dagwell.store import schema

    with store.engine.connect() as conn:  # recorded once although it was given twice
        assert conn.execute(select(schema.artifacts.c.digest)).scalars().all() == ["d" * 64]
    assert store.run_row(run_id)["status"] == "completed"
    store.close()


def test_migrations_are_idempotent(store_url):
    Store.open(store_url).close()
    store = Store.open(store_url)  # second open: already at head
    new_run(store)
    store.close()


def test_the_cache_table_is_indexed_for_its_lookup_and_its_expiry_and_downgrades(store_url):
    """Since 0006 the cache keeps an entry per step run: without an index for the newest
    entry of a key and one for a step run's entries, each lookup read every entry of its
    key and each expiry the whole table (a scan; 114-176 ms per lookup at 200,000 entries
    of one key). Downgraded, one entry per key stays, ties between entries made at the same
    instant too (the old primary key refused both)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect, text

    from dagwell.store.connect import _MIGRATIONS
    from dagwell.store.ops import PutCache

    store = Store.open(store_url)
    indexes = {
        i["name"]: i["column_names"] for i in inspect(store.engine).get_indexes("step_cache")
    }
    assert indexes.get("ix_step_cache_newest") == ["cache_key", "created_at"], indexes
    assert indexes.get("ix_step_cache_step_run") == ["run_id", "step_id"], indexes
    run_id = new_run(store, steps=("a", "b"))
    store.write([PutCache("k", run_id, s, {"out": {}}, 5.0) for s in ("a", "b")])
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0005_tags")
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT cache_key, step_id FROM step_cache")).all()
    assert [tuple(r) for r in rows] == [("k", "b")]
    store.close()


def test_resolve_run_ids(store_url):
    store = Store.open(store_url)
    new_run(store, "aaaa11112222", created=1.0)
    new_run(store, "aaaa33334444", created=2.0)
    assert store.resolve_run_id("aaaa1") == "aaaa11112222"
    assert store.resolve_run_id("latest") == "aaaa33334444"
    with pytest.raises(RunNotFound, match="ambiguous"):
        store.resolve_run_id("aaaa")
    with pytest.raises(RunNotFound, match="`dagwell runs list`"):
        store.resolve_run_id("zzz")
    runs = store.list_runs()
    assert [r["id"] for r in runs] == ["aaaa33334444", "aaaa11112222"]
    assert runs[0]["step_counts"] == {"pending": 2}
    store.close()


def test_a_runs_index_counts_its_pipelines_runs_made_by_then(store_url):
    """ZenML's run.index (1 for a pipeline's first run); another pipeline counts its own."""
    store = Store.open(store_url)
    for run_id, pipeline, created in (("r1", "p", 1.0), ("q1", "q", 1.5), ("r2", "p", 2.0)):
        new_run(store, run_id, pipeline=pipeline, created=created)
    assert [store.run_index(r) for r in ("r1", "r2", "q1")] == [1, 2, 1]
    store.close()


def test_heartbeat_stop_flag_and_claim(store_url):
    store = Store.open(store_url)
    run_id = new_run(store)
    assert store.heartbeat(run_id, 10.0) is False
    store.request_stop(run_id)
    assert store.heartbeat(run_id, 11.0) is True
    assert store.claim_run(run_id, "host:1:boot", "me:2:boot", 12.0)
    assert not store.claim_run(run_id, "host:1:boot", "other:3:boot", 12.0)
    assert store.run_row(run_id)["owner"] == "me:2:boot"
    store.close()


def test_learned_peaks(store_url):
    store = Store.open(store_url)
    run_id = new_run(store, steps=("train", "train_2", "eval"))
    store.write(
        [
            AttemptWrite(run_id, "train", 1, {"status": "completed", "peak_memory": 300}, "upsert"),
            AttemptWrite(
                run_id, "train_2", 1, {"status": "completed", "peak_memory": 500}, "upsert"
            ),
            AttemptWrite(run_id, "train_2", 2, {"status": "failed", "peak_memory": 900}, "upsert"),
            AttemptWrite(run_id, "eval", 1, {"status": "completed", "peak_memory": None}, "upsert"),
        ]
    )
    assert store.learned_peaks("p", ["train", "eval"]) == {"train": 500}
    assert store.learned_peaks("other", ["train"]) == {}
    store.close()


def test_a_bad_write_is_a_store_error_not_a_retry_loop(store_url):
    store = Store.open(store_url)
    run_id = new_run(store)
    started = time.monotonic()
    with pytest.raises(StoreError, match="refused a write"):
        store.write([AttemptWrite(run_id, "a", 1, {"memory_limit": 5}, "insert")])  # no status
    assert time.monotonic() - started < 5
    store.close()


def test_bad_url():
    with pytest.raises(ConfigError, match="Unsupported store URL"):
        Store.open("mysql://x")


def _writer(url: str, run_id: str, worker: int, count: int) -> None:
    store = Store.open(url)
    for i in range(count):
        store.write(
            [
                AttemptWrite(
                    run_id,
                    "a",
                    worker * 1000 + i,
                    {"status": "completed", "started_at": float(i)},
                    "insert",
                )
            ]
        )
        store.heartbeat(run_id, float(i))
    store.close()


def test_concurrent_writers_from_several_processes(store_url):
    """Several orchestrators on one store: no 'database is locked', nothing lost."""
    store = Store.open(store_url)
    run_id = new_run(store)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(store_url, run_id, w, 60)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert len(store.attempt_rows(run_id)) == 240
    store.close()


def test_postgres_connection_drop_is_retried(postgres_url):
    import psycopg

    store = Store.open(postgres_url)
    run_id = new_run(store)
    store.heartbeat(run_id, 1.0)  # a pooled connection now exists
    dbname = postgres_url.rsplit("/", 1)[1]
    admin = postgres_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        killed = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
            (dbname,),
        ).fetchone()[0]
    assert killed >= 1
    assert store.heartbeat(run_id, 2.0) is False  # reconnects instead of failing the run
    store.write([UpdateRun(run_id, {"status": "completed"})])
    assert store.run_row(run_id)["status"] == "completed"
    store.close()


def test_sqlite_is_in_wal_mode(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.close()


def test_compaction_merges_the_writes_to_one_row():
    from dagwell.store.ops import compact

    ops = [
        UpdateStep("r", "a", {"status": "queued"}),
        AttemptWrite("r", "a", 1, {"status": "running"}, "insert"),
        UpdateStep("r", "a", {"status": "running"}),
        AttemptWrite("r", "a", 1, {"status": "completed", "peak_memory": 5}),
        AttemptWrite("r", "b", 1, {"node": "x"}),
        AttemptWrite("r", "b", 1, {"external_id": "p"}, "upsert"),
    ]
    merged = compact(ops)
    assert merged[0] == UpdateStep("r", "a", {"status": "running"})
    assert merged[1] == AttemptWrite(
        "r", "a", 1, {"status": "completed", "peak_memory": 5}, "insert"
    )
    assert merged[2].mode == "upsert" and merged[2].values == {"node": "x", "external_id": "p"}


def test_an_update_batched_before_its_attempts_insert_still_makes_the_row(store_url):
    """A runtime's news of an attempt (its external id) can reach the batch before the
    attempt's start does (a stop cut the launch's bookkeeping): merged as an update, the
    start's insert was lost, and with it the whole attempt (a stopped fan-out's launched
    step showed no attempt at all)."""
    from dagwell.store.ops import compact

    ops = [
        AttemptWrite("r", "a", 1, {"external_id": "42", "node": "local"}),
        AttemptWrite("r", "a", 1, {"status": "running", "external_id": None}, "insert"),
        AttemptWrite("r", "a", 1, {"status": "cancelled"}),
    ]
    (merged,) = compact(ops)
    assert merged.mode == "upsert"
    assert merged.values == {"status": "cancelled", "external_id": "42", "node": "local"}
    store = Store.open(store_url)
    run_id = new_run(store, steps=("a",))
    store.write([AttemptWrite(run_id, op.step_id, op.number, op.values, op.mode) for op in ops])
    (row,) = store.attempt_rows(run_id)
    assert (row["status"], row["external_id"]) == ("cancelled", "42")
    store.close()


def test_learned_peaks_forget_an_old_outlier(store_url):
    """Before: one outlier peak long ago was learned forever (the maximum of all runs)."""
    from dagwell.store.store import LEARN_FROM

    store = Store.open(store_url)
    peaks = [5000] + [300] * LEARN_FROM  # the outlier first, then LEARN_FROM normal runs
    for i, peak in enumerate(peaks):
        run_id = new_run(store, run_id=f"run{i:09d}", steps=("train",))
        store.write(
            [
                AttemptWrite(
                    run_id,
                    "train",
                    1,
                    {"status": "completed", "peak_memory": peak, "ended_at": 1000.0 + i},
                    "upsert",
                )
            ]
        )
        expected = 5000 if i < LEARN_FROM else 300
        assert store.learned_peaks("p", ["train"]) == {"train": expected}, i
    store.close()


def test_the_plan_is_kept_apart_from_the_row_heartbeats_update(store_url):
    """A run's row is updated every second (heartbeat); SQLite rewrites a whole row on
    UPDATE, so the plan (tens of MB for 100,000 steps) is in run_plans, not in runs."""
    from sqlalchemy import select

    from dagwell.store import schema

    store = Store.open(store_url)
    run_id = new_run(store)
    with store.engine.connect() as conn:
        row_plan = conn.execute(select(schema.runs.c.plan)).scalar()
    assert row_plan == {}
    assert store.run_plan(run_id) == {"steps": []}
    with pytest.raises(RunNotFound):
        store.run_plan("nosuchrun")
    store.close()


def test_a_store_of_0002_moves_its_plans_out_of_runs(tmp_path):
    """Migrating a store written before 0003 keeps each run's plan, now in run_plans."""
    import sqlite3

    from alembic import command
    from alembic.config import Config

    from dagwell.store.connect import _MIGRATIONS, make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0002_memory_samples")
        conn.exec_driver_sql(
            "INSERT INTO runs (id, name, pipeline, status, plan, created_at, stop_requested) "
            "VALUES ('old1', 'old', 'p', 'completed', '{\"steps\": [1, 2]}', 1.0, 0)"
        )
    engine.dispose()
    store = Store.open(url)
    assert store.run_plan("old1") == {"steps": [1, 2]}
    store.close()
    with sqlite3.connect(tmp_path / "old.db") as raw:
        assert raw.execute("SELECT plan FROM runs").fetchone() == ("{}",)


def test_a_batchs_artifacts_and_cache_entries_go_in_one_statement_each(store_url):
    """Before: one INSERT per completed step's artifacts and one per cache entry, each a
    round of SQLAlchemy and SQLite inside the loop thread's write (a chain's write held
    about three steps, so three artifact statements of its eight)."""
    from sqlalchemy import event

    from dagwell.store.ops import PutCache, RecordArtifacts

    store = Store.open(store_url)
    run_id = new_run(store, steps=("a", "b", "c"))
    statements: list[str] = []  # the tables INSERTed into

    def seen(conn: object, cursor: object, statement: str, *rest: object) -> None:
        words = statement.split()
        if words[:2] == ["INSERT", "INTO"]:
            statements.append(words[2])

    event.listen(store.engine, "before_cursor_execute", seen)

    def ref(digest: str, uri: str | None = None) -> dict[str, object]:
        doc: dict[str, object] = {
            "digest": digest,
            "materializer": "builtins",
            "type_name": "int",
            "size": 1,
            "python": "3.11",
        }
        return doc if uri is None else {**doc, "uri": uri}

    store.write(
        [
            RecordArtifacts([ref("d1"), ref("d2", uri="s3://x")], 1.0),
            RecordArtifacts([ref("d2"), ref("d3")], 2.0),
            PutCache("k1", run_id, "a", {"out": ref("d1")}, 1.0),
            PutCache("k2", run_id, "b", {"out": ref("d2")}, 2.0),
            PutCache("k1", run_id, "c", {"out": ref("d3")}, 3.0),
        ]
    )
    assert statements.count("artifacts") == 1 and statements.count("step_cache") == 1
    with store.engine.connect() as conn:
        artifacts = conn.exec_driver_sql(
            "SELECT digest, created_at FROM artifacts ORDER BY digest"
        ).all()
        cache = conn.exec_driver_sql(
            "SELECT cache_key, step_id FROM step_cache ORDER BY cache_key, step_id"
        ).all()
    assert [tuple(r) for r in artifacts] == [("d1", 1.0), ("d2", 1.0), ("d3", 2.0)]
    # one entry per step run (since 0006); a lookup takes the key's newest
    assert [tuple(r) for r in cache] == [("k1", "a"), ("k1", "c"), ("k2", "b")]
    assert store.cache_get("k1")["step_id"] == "c"
    store.close()


def test_a_store_file_replaced_under_a_run_fails_its_next_write_not_only_a_heartbeat(tmp_path):
    """Before: only a heartbeat looked at the file (and only from the first on), so a run
    whose file was replaced between two of them went on into the unlinked file, ended
    'completed', and its record was gone once the orchestrator exited."""
    import os

    store = Store.open(f"sqlite:///{tmp_path / 'home' / 'dagwell.db'}")
    other = Store.open(f"sqlite:///{tmp_path / 'other' / 'dagwell.db'}")
    other.close()
    try:
        run_id = new_run(store)
        os.replace(tmp_path / "other" / "dagwell.db", tmp_path / "home" / "dagwell.db")
        with pytest.raises(StoreError, match="was replaced by another file"):
            store.write([UpdateRun(run_id, {"status": "completed"})])
    finally:
        store.close()


def test_a_home_deleted_on_purpose_is_not_put_back_by_a_process_that_records_no_run(tmp_path):
    """Only an orchestrator's store (one that created or heartbeats a run) puts back a file
    deleted under it. Before: every write watched the file, so a notebook's Client that had
    written once put back the whole old database at its next write after ``rm -rf`` of the
    home."""
    import os

    path = tmp_path / "home" / "dagwell.db"
    orchestrator = Store.open(f"sqlite:///{path}")
    run_id = new_run(orchestrator)
    orchestrator.close()
    client = Store.open(f"sqlite:///{path}")
    try:
        client.write([UpdateRun(run_id, {"status": "completed"})])
        for leftover in path.parent.iterdir():
            os.remove(leftover)
        with contextlib.suppress(StoreError):
            client.write([UpdateRun(run_id, {"status": "failed"})])
        assert not path.exists(), "the deleted home's database was put back"
    finally:
        client.close()


def test_a_store_whose_run_was_created_in_another_thread_closes(tmp_path):
    """The file guard is made by the thread that creates the run (since 92701d5) and used by
    the others: before, closing the store from another thread raised sqlite3's
    'SQLite objects created in a thread can only be used in that same thread'."""
    import os
    import threading

    path = tmp_path / "home" / "dagwell.db"
    store = Store.open(f"sqlite:///{path}")
    made: list[str] = []
    creator = threading.Thread(target=lambda: made.append(new_run(store)))
    creator.start()
    creator.join(30)
    os.remove(path)  # put back from another thread than the guard's
    store.write([UpdateRun(made[0], {"status": "completed"})])
    assert path.exists()
    store.close()


def test_a_batch_stores_what_sqlalchemys_own_execute_stores(store_url):
    """A batch's statements run compiled once on the driver (store.prepared), not through
    Connection.execute: every value, JSON null and nested None included, must be stored
    as SQLAlchemy itself would store it."""
    from sqlalchemy import update

    from dagwell.store import schema

    store = Store.open(store_url)
    run_id = new_run(store, steps=("a", "b"))
    values = {
        "status": "completed",
        "outputs": {"x": [1, None, "é"], "y": None},
        "note": None,
        "params": None,
        "ended_at": 1.25,
    }
    store.write([UpdateStep(run_id, "a", values)])  # (the prepared path)
    t = schema.steps
    with store.engine.begin() as conn:  # (SQLAlchemy's own)
        conn.execute(update(t).where(t.c.run_id == run_id, t.c.step_id == "b").values(values))
    cast = "::text" if store_url.startswith("postgres") else ""
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT step_id, status, outputs{cast}, note, params{cast}, ended_at FROM steps"
            " ORDER BY step_id"
        ).all()
    assert rows[0][1:] == rows[1][1:]
    assert rows[0][1] == "completed" and rows[0][5] == 1.25
    store.close()


def test_a_batch_write_after_postgres_dropped_the_connection_is_retried(postgres_url):
    """The batch's own statements (store.prepared), not only a heartbeat, ride out a
    connection the server closed."""
    import psycopg

    store = Store.open(postgres_url)
    run_id = new_run(store)
    store.write([UpdateStep(run_id, "a", {"status": "running"})])  # a pooled connection
    dbname = postgres_url.rsplit("/", 1)[1]
    admin = postgres_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (dbname,),
        )
    store.write(
        [
            UpdateStep(run_id, "a", {"status": "completed", "outputs": {"o": 1}}),
            AttemptWrite(run_id, "a", 1, {"status": "completed", "started_at": 1.0}, "insert"),
        ]
    )
    assert [s["status"] for s in store.step_rows(run_id)] == ["completed", "pending"]
    assert len(store.attempt_rows(run_id)) == 1
    store.close()


def test_expiring_the_newest_cache_entry_leaves_an_older_one_serving(store_url):
    """ZenML's lookup is the newest unexpired step run with the key. Before (one entry
    per key): the newer step run replaced the older's entry, and expiring it left none."""
    store = Store.open(store_url)
    for run_id in ("older0000001", "newer0000002"):
        new_run(store, run_id)
    store.write([PutCache("k" * 64, "older0000001", "a", {"output": {"d": 1}}, 1.0)])
    store.write([PutCache("k" * 64, "newer0000002", "a", {"output": {"d": 2}}, 2.0)])
    assert store.cache_get("k" * 64)["run_id"] == "newer0000002"
    assert store.expire_cache("newer0000002", "a") == 1
    assert store.cache_get("k" * 64)["outputs"] == {"output": {"d": 1}}
    assert store.expire_cache("older0000001", "a") == 1
    assert store.cache_get("k" * 64) is None
    store.close()


def test_a_store_of_0005_keeps_its_cache_entries(tmp_path):
    from alembic import command
    from alembic.config import Config

    from dagwell.store.connect import _MIGRATIONS, make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0005_tags")
        conn.exec_driver_sql(
            "INSERT INTO step_cache (cache_key, run_id, step_id, outputs, created_at) "
            "VALUES ('key1', 'run1', 'a', '{\"output\": {\"d\": 1}}', 1.0)"
        )
    engine.dispose()
    store = Store.open(url)
    assert store.cache_get("key1")["outputs"] == {"output": {"d": 1}}
    store.write([PutCache("key1", "run2", "a", {"output": {"d": 2}}, 2.0)])
    assert store.cache_get("key1")["run_id"] == "run2"
    store.close()


def _migrated_by_a_newer_dagwell(store_url):
    from sqlalchemy import text

    store = Store.open(store_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    store.close()


def test_a_store_migrated_by_a_newer_dagwell_is_refused_by_name(store_url):
    """A schema revision this dagwell does not know (a newer dagwell migrated the store)
    used to reach the user as alembic's raw "Can't locate revision"; it is refused with
    the fix named, and the store is left as it was."""
    from sqlalchemy import text

    from dagwell.core.errors import StoreSchemaNewer
    from dagwell.store.connect import make_engine, normalize_url

    _migrated_by_a_newer_dagwell(store_url)
    with pytest.raises(StoreSchemaNewer, match="'0099_future'.*newer dagwell.*Upgrade dagwell"):
        Store.open(store_url)
    engine = make_engine(normalize_url(store_url))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "0099_future"
        )
    engine.dispose()


def test_a_read_only_store_of_a_newer_dagwell_is_refused_by_name(tmp_path):
    from dagwell.core.errors import StoreSchemaNewer
    from dagwell.store.connect import open_read_only

    url = f"sqlite:///{tmp_path}/dagwell.db"
    _migrated_by_a_newer_dagwell(url)
    with pytest.raises(StoreSchemaNewer, match="'0099_future'.*Upgrade dagwell"):
        open_read_only(url)


def test_the_known_revisions_are_the_migration_files_revisions():
    """KNOWN_REVISIONS decides what "newer" means: it must list every migration, in order."""
    import ast

    from dagwell.store.connect import _MIGRATIONS, HEAD_REVISION, KNOWN_REVISIONS

    found = []
    for path in sorted((_MIGRATIONS / "versions").glob("0*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "revision":
                found.append(ast.literal_eval(node.value))
    assert tuple(found) == KNOWN_REVISIONS
    assert KNOWN_REVISIONS[-1] == HEAD_REVISION
