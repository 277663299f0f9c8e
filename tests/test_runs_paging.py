"""`runs show` and `runs list` of big runs: a page of steps, totals counted by the database.

A 100,000-step run must not be loaded whole to print 200 lines or a one-line summary; the
page must still be the right steps in pipeline order with their own attempts, and the
summary must count every step and attempt of the run, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from click.testing import CliRunner

from dagwell.api.client import Client
from dagwell.cli.commands import cli
from dagwell.store import AttemptWrite, Batch, Store, UpdateStep
from test_store import new_run

STEPS = [f"s_{i:03d}" for i in range(120)]


def _big_run(store: Store) -> str:
    """120 steps: 100 completed (s_005 and s_050 after an OOM kill), 20 still pending."""
    run_id = new_run(store, steps=STEPS)
    batch = Batch()
    for i, step_id in enumerate(STEPS[:100]):
        number = 1
        if i in (5, 50):
            batch.add(
                AttemptWrite(
                    run_id,
                    step_id,
                    1,
                    {"status": "failed", "failure_kind": "oom_killed", "failure_message": "m"},
                    "insert",
                )
            )
            number = 2
        batch.add(AttemptWrite(run_id, step_id, number, {"status": "completed"}, "insert"))
        batch.add(UpdateStep(run_id, step_id, {"status": "completed"}))
    store.write(batch)
    return run_id


def test_a_page_of_steps_with_their_attempts_and_whole_run_totals(store_url):
    store = Store.open(store_url)
    run_id = _big_run(store)
    client = Client(store_url=store_url)
    whole = client.get_run(run_id)
    page = client.get_run(run_id, offset=45, limit=10)
    assert list(page.steps) == STEPS[45:55]
    assert [a.number for a in page.steps["s_050"].attempts] == [1, 2]
    assert all(len(s.attempts) == 1 for n, s in page.steps.items() if n != "s_050")
    assert page.summary() == whole.summary()
    assert page.all_totals() == whole.all_totals()
    totals = page.all_totals()
    assert totals.steps == 120 and totals.oom_kills == 2 and totals.oom_survivors == 2
    assert totals.retries == 2 and totals.step_counts == {"completed": 100, "pending": 20}
    pending = client.get_run(run_id, status="pending", limit=5)
    assert list(pending.steps) == STEPS[100:105]
    assert client.get_run(run_id, offset=200, limit=10).steps == {}
    client.close()
    store.close()


def test_listing_reads_no_steps_but_counts_them(store_url):
    store = Store.open(store_url)
    run_id = _big_run(store)
    client = Client(store_url=store_url)
    assert "plan" not in store.list_runs()[0]  # a big run's plan holds every step
    [listed] = client.list_runs(steps=False)
    [full] = client.list_runs()
    assert listed.id == run_id and listed.steps == {}
    assert listed.summary() == full.summary()
    client.close()
    store.close()


def test_cli_show_pages_and_says_how_to_see_the_rest(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGWELL_HOME", str(tmp_path))
    client = Client(tmp_path)
    run_id = _big_run(client.store())
    runner = CliRunner()
    shown = runner.invoke(cli, ["runs", "show", run_id, "--limit", "5", "--offset", "10"])
    assert shown.exit_code == 0, shown.output
    assert "steps 11-15 of 120" in shown.output
    assert "s_010" in shown.output and "s_015" not in shown.output and "s_009" not in shown.output
    assert "120 steps" in shown.output and "2 OOM kills" in shown.output
    listed = runner.invoke(cli, ["runs", "list"])
    assert listed.exit_code == 0, listed.output
    assert "100 completed" in listed.output and "20 pending" in listed.output
    client.close()
