"""A run name is one run's: a second run of a name another run has is refused (ZenML's
EntityExistsError) before anything of it runs or is recorded, on SQLite and PostgreSQL,
also when two processes race for the name; a store that older dagwell left with duplicate
names still opens and works."""

import multiprocessing
import threading
import time

import pytest
from sqlalchemy import event, insert

from dagwell import Client, pipeline, step
from dagwell.core.errors import EntityExistsError
from dagwell.store import Store, schema


def run_row(run_id, name):
    now = time.time()
    return {
        "id": run_id,
        "name": name,
        "pipeline": "p",
        "status": "running",
        "plan": {},
        "owner": "host:1:boot",
        "created_at": now,
        "stop_requested": False,
    }


def step_row(run_id):
    return {"run_id": run_id, "step_id": "a", "name": "a", "position": 0, "status": "pending"}


def test_a_taken_name_is_refused_and_nothing_recorded(store_url):
    store = Store.open(store_url)
    store.create_run({**run_row("first0000001", "fixed"), "plan": {"steps": []}}, [])
    with pytest.raises(EntityExistsError) as refused:
        store.create_run(
            {**run_row("second000002", "fixed"), "plan": {"steps": []}}, [step_row("second000002")]
        )
    message = str(refused.value)
    assert "'fixed'" in message and "first0000001" in message
    assert "{date}" in message and "run_name" in message
    assert [r["id"] for r in store.list_runs(limit=None)] == ["first0000001"]
    assert store.step_rows("second000002") == []
    store.create_run({**run_row("third0000003", "fixed-2"), "plan": {}}, [])  # others still can
    store.close()


def _claim(url, run_id, go, results):
    store = Store.open(url)
    go.wait(60)
    try:
        store.create_run({**run_row(run_id, "raced"), "plan": {}}, [step_row(run_id)])
        results.put((run_id, "won"))
    except EntityExistsError:
        results.put((run_id, "refused"))
    finally:
        store.close()


def test_two_processes_racing_for_a_name_one_wins(store_url):
    Store.open(store_url).close()  # migrated before the race
    ctx = multiprocessing.get_context("spawn")
    go, results = ctx.Event(), ctx.Queue()
    ids = [f"racer{i:07d}" for i in range(4)]
    procs = [ctx.Process(target=_claim, args=(store_url, i, go, results)) for i in ids]
    for p in procs:
        p.start()
    time.sleep(2.0)  # every racer has opened its store and waits
    go.set()
    outcomes = dict(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert sorted(outcomes.values()) == ["refused", "refused", "refused", "won"], outcomes
    store = Store.open(store_url)
    recorded = [r["id"] for r in store.list_runs(limit=None) if r["name"] == "raced"]
    (winner,) = [i for i, o in outcomes.items() if o == "won"]
    assert recorded == [winner]
    assert all(store.step_rows(i) == [] for i in ids if i != winner)
    store.close()


def test_a_writer_between_its_check_and_its_insert_keeps_the_name(store_url):
    """The race made certain: one writer is held after it found the name free and before
    its insert; another writer meanwhile must wait, then see the first's run and be refused
    (READ COMMITTED alone would let both through on PostgreSQL)."""
    first, second = Store.open(store_url), Store.open(store_url)
    checked, release = threading.Event(), threading.Event()

    def hold_before_insert(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO RUNS") and not checked.is_set():
            checked.set()
            release.wait(30)

    event.listen(first.engine, "before_cursor_execute", hold_before_insert)
    winner = threading.Thread(
        target=first.create_run, args=({**run_row("held00000001", "held"), "plan": {}}, [])
    )
    winner.start()
    assert checked.wait(30)
    refused = []

    def late() -> None:
        try:
            second.create_run({**run_row("late00000002", "held"), "plan": {}}, [])
        except EntityExistsError as error:
            refused.append(error)

    loser = threading.Thread(target=late)
    loser.start()
    time.sleep(1.5)  # the late writer has reached the name (or the lock that guards it)
    release.set()
    winner.join(30)
    loser.join(60)
    assert len(refused) == 1 and "'held'" in str(refused[0])
    assert [r["id"] for r in second.list_runs(limit=None)] == ["held00000001"]
    first.close()
    second.close()


def test_a_store_holding_duplicate_names_still_opens(store_url):
    """Older dagwell recorded duplicates: no unique index can be built on such a store,
    and it opens and works as before; the taken name is refused from now on."""
    store = Store.open(store_url)
    with store.engine.begin() as conn:  # as older dagwell did
        conn.execute(
            insert(schema.runs), [run_row("old000000001", "dup"), run_row("old000000002", "dup")]
        )
    store.close()
    store = Store.open(store_url)
    assert len(store.list_runs(limit=None)) == 2
    with pytest.raises(EntityExistsError, match="'dup'"):
        store.create_run({**run_row("new000000003", "dup"), "plan": {}}, [])
    store.create_run({**run_row("new000000004", "fresh"), "plan": {}}, [])
    assert len(store.list_runs(limit=None)) == 3
    store.close()


def test_a_pipeline_run_twice_under_one_name_is_refused_before_it_runs(home, tmp_path):
    ledger = tmp_path / "ledger"

    @step
    def mark() -> int:
        with open(ledger, "a") as f:
            f.write("ran\n")
        return 1

    @pipeline(enable_cache=False)
    def named():
        mark()

    first = named.with_options(run_name="fixed")()
    with pytest.raises(EntityExistsError, match="'fixed' already exists"):
        named.with_options(run_name="fixed")()
    assert ledger.read_text() == "ran\n"  # the refused run ran nothing
    client = Client()
    assert client.get_pipeline_run("fixed").id == first.id
    assert [r.id for r in client.list_runs()] == [first.id]
    # a template with placeholders names each run anew
    a = named.with_options(run_name="fixed_{date}_{time}")()
    b = named.with_options(run_name="fixed_{date}_{time}")()
    assert a.name != b.name
    assert ledger.read_text() == "ran\n" * 3
