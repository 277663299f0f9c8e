"""`dagwell runs stop` and `runs resume` when the run's orchestrator cannot act.

A script that calls its pipeline at top level is loaded again to find its steps: that
load must not start a second run. An orchestrator that is frozen (SIGSTOP, Ctrl-Z; or
hung, its heartbeat silent although it lives) is killed and its run finished truthfully:
a step whose attempt exited 0 with its outputs during the freeze is completed.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from dagwell import Client
from dagwell.core.statuses import RunStatus, StepStatus
from dagwell.runtimes.locator import load_file_module
from dagwell.store.ownership import ORPHAN_AFTER, is_orphaned, owner_tag
from helpers import latest_run, pid_alive, start_orchestrator, wait_for

TOP_LEVEL = """
import os, time
from dagwell import pipeline, step

FLAG = {flag!r}

@step(enable_cache=False)
def slow() -> int:
    if not os.path.exists(FLAG):  # the first attempt runs until its orchestrator dies
        open(FLAG, "w").close()
        time.sleep(120)
    return 1

@pipeline(name="toplevel", enable_cache=False)
def toplevel():
    slow()

toplevel()  # no `if __name__ == "__main__"`: loading this file calls the pipeline
"""

FREEZABLE = """
import time
from dagwell import pipeline, step

@step(enable_cache=False)
def w() -> int:
    time.sleep(1.0)
    return 1

@step(enable_cache=False)
def x(value: int) -> int:
    return value + 1

@pipeline(name="freezable", enable_cache=False)
def freezable():
    x(w())

if __name__ == "__main__":
    freezable()
"""


def dagwell_cli(home, *args):
    env = {**os.environ, "DAGWELL_HOME": str(home), "DAGWELL_PROGRESS": "0"}
    return subprocess.run(
        [sys.executable, "-m", "dagwell", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def all_runs(home):
    return json.loads(dagwell_cli(home, "runs", "list", "--json").stdout)


def running_attempt_pid(home, step):
    def check():
        run = latest_run(home)
        if run is None or step not in run.steps or not run.steps[step].attempts:
            return None
        last = run.steps[step].attempts[-1]
        return (run, int(last.external_id)) if last.external_id else None

    return wait_for(check, 30, f"step {step} running")


def orphan_top_level_script(home, tmp_path):
    proc = start_orchestrator(home, tmp_path, TOP_LEVEL.format(flag=str(tmp_path / "flag")))
    run, pid = running_attempt_pid(home, "slow")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    wait_for(lambda: not pid_alive(pid), 10, "the orphaned attempt to die")
    assert [r["orphaned"] for r in all_runs(home)] == [True]
    return run


def test_stop_of_a_script_that_calls_its_pipeline_at_top_level_starts_no_run(home, tmp_path):
    run = orphan_top_level_script(home, tmp_path)
    out = dagwell_cli(home, "runs", "stop", run.id)
    assert out.returncode == 0, out.stderr
    assert [(r["id"], r["status"]) for r in all_runs(home)] == [(run.id, "cancelled")]


def test_resume_of_a_script_that_calls_its_pipeline_at_top_level_starts_no_run(home, tmp_path):
    run = orphan_top_level_script(home, tmp_path)
    out = dagwell_cli(home, "runs", "resume", run.id, "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["status"] == "completed"
    assert [(r["id"], r["status"]) for r in all_runs(home)] == [(run.id, "completed")]


def test_looking_up_ends_with_the_load_even_a_failing_one(tmp_path):
    from dagwell.runtimes.locator import looking_up

    seen = tmp_path / "seen.py"
    seen.write_text("from dagwell.runtimes.locator import looking_up\nDURING = looking_up()\n")
    assert load_file_module(str(seen)).DURING is True
    assert looking_up() is False
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('broken at import')\n")
    with pytest.raises(RuntimeError, match="broken at import"):
        load_file_module(str(broken))
    assert looking_up() is False


def freeze_after_w(home, tmp_path):
    """An orchestrator frozen (SIGSTOP) while w runs; returned once w has exited 0."""
    proc = start_orchestrator(home, tmp_path, FREEZABLE)
    run, pid = running_attempt_pid(home, "w")
    proc.send_signal(signal.SIGSTOP)
    wait_for(lambda: not pid_alive(pid), 30, "w to exit during the freeze")
    return proc, run


def test_runs_stop_kills_a_stopped_orchestrator_and_keeps_what_completed(home, tmp_path):
    proc, run = freeze_after_w(home, tmp_path)
    try:
        started = time.monotonic()
        out = dagwell_cli(home, "runs", "stop", run.id)
        took = time.monotonic() - started
        assert out.returncode == 0, out.stderr
        assert f"orchestrator (pid {proc.pid}) was stopped" in out.stderr
        assert "killed" in out.stderr and "stopped:" in out.stdout
        assert took < 20, f"runs stop took {took:.1f}s"
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        final = latest_run(home)
        assert final.status is RunStatus.CANCELLED and not final.orphaned
        w = final.steps["w"]
        assert w.status is StepStatus.COMPLETED  # it exited 0 with its output while frozen
        assert [a.status.value for a in w.attempts] == ["completed"]
        assert final.steps["x"].status is StepStatus.SKIPPED
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_runs_resume_takes_over_from_a_stopped_orchestrator(home, tmp_path):
    proc, run = freeze_after_w(home, tmp_path)
    try:
        out = dagwell_cli(home, "runs", "resume", run.id, "--json")
        assert out.returncode == 0, out.stderr
        assert f"orchestrator (pid {proc.pid}) was stopped" in out.stderr
        assert json.loads(out.stdout)["status"] == "completed"
        proc.wait(10)
        final = latest_run(home)
        assert [a.status.value for a in final.steps["w"].attempts] == ["completed"]  # reused
        assert final.steps["x"].output.load() == 2
        assert len(all_runs(home)) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_an_orchestrator_continued_after_a_stop_request_keeps_what_completed(home, tmp_path):
    proc, run = freeze_after_w(home, tmp_path)
    try:
        client = Client(home)
        client.store().request_stop(run.id)  # what `runs stop` records for a live owner
        client.close()
        proc.send_signal(signal.SIGCONT)  # it learns of w's exit only after the request
        proc.wait(60)
        final = latest_run(home)
        assert final.status is RunStatus.CANCELLED
        assert final.steps["w"].status is StepStatus.COMPLETED
        assert final.steps["x"].status is StepStatus.SKIPPED
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _row(owner, heartbeat_at, orchestrator=None):
    return {
        "status": "running",
        "owner": owner,
        "heartbeat_at": heartbeat_at,
        "orchestrator": orchestrator or {"kind": "local"},
    }


def test_a_live_orchestrator_with_a_silent_heartbeat_is_frozen_unless_it_runs_steps_inline():
    from dagwell.engine.frozen_owner import frozen_owner

    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        owner = owner_tag(sleeper.pid)
        now = time.time()
        assert frozen_owner(_row(owner, now - 2)) is None  # beating: it acts on a stop itself
        hung = frozen_owner(_row(owner, now - ORPHAN_AFTER - 5))
        assert hung is not None and hung.pid == sleeper.pid and "silent" in hung.why
        inline = {"kind": "local", "isolation": "inprocess"}  # a step blocks its heartbeat
        assert frozen_owner(_row(owner, now - ORPHAN_AFTER - 5, inline)) is None
        os.kill(sleeper.pid, signal.SIGSTOP)
        wait_for(lambda: frozen_owner(_row(owner, now, inline)), 5, "the stopped state")
        assert not is_orphaned("running", now - ORPHAN_AFTER - 5, owner)  # frozen, not gone
        sleeper.kill()  # a zombie (not reaped yet) is gone: orphaned, and no longer frozen
        wait_for(lambda: is_orphaned("running", now, owner), 5, "the kill")
        assert frozen_owner(_row(owner, now, inline)) is None
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_reused_pid_is_not_the_orchestrator_and_is_never_killed():
    """Before: an orchestrator that died left its pid in the run's owner tag; a process of
    the same user that got the pid later counted as the orchestrator, hung (its heartbeat
    silent), and `runs stop` SIGKILLed it. Now the tag holds the process's start time."""
    from dagwell.engine.frozen_owner import frozen_owner

    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        host, pid, boot, started = owner_tag(sleeper.pid).split(":")
        reused = f"{host}:{pid}:{boot}:{int(started) - 1}"  # the orchestrator started earlier
        silent = time.time() - ORPHAN_AFTER - 5
        assert frozen_owner(_row(reused, silent)) is None  # not frozen: never killed
        assert is_orphaned("running", silent, reused)  # its orchestrator is gone
        older = f"{host}:{pid}:{boot}"  # a tag of an older dagwell: the pid decides
        assert not is_orphaned("running", silent, older)
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_pid_in_an_older_dagwells_tag_is_never_killed_the_user_is_told_how():
    """Before: a run recorded by an older dagwell (its tag has no start time) whose pid
    some other process has now counted as a hung orchestrator, and `runs stop` SIGKILLed
    that process. Without a start time nothing proves it is the orchestrator."""
    from dagwell.engine.frozen_owner import frozen_owner
    from dagwell.engine.resume import end_if_frozen

    class OneRun:
        def __init__(self, row):
            self.row = row

        def run_row(self, run_id):
            return self.row

    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        host, pid, boot, _ = owner_tag(sleeper.pid).split(":")
        older = _row(f"{host}:{pid}:{boot}", time.time() - ORPHAN_AFTER - 5)
        notes = []
        end_if_frozen(OneRun(older), "r1", notes.append)
        time.sleep(0.2)
        assert sleeper.poll() is None  # alive: not killed
        assert frozen_owner(older).identified is False
        assert len(notes) == 1 and f"kill -9 {pid}" in notes[0] and "older dagwell" in notes[0]
        end_if_frozen(OneRun(older), "r1", None)  # (the Python API: nothing said, nothing killed)
        assert sleeper.poll() is None
        current = _row(owner_tag(sleeper.pid), time.time() - ORPHAN_AFTER - 5)
        assert frozen_owner(current).identified is True  # (its own tag: it may be killed)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_runs_stop_does_not_promise_an_older_tags_process_will_act(home):
    """Before: after saying the pid of an older dagwell's tag is not killed (it may be
    another process by now), `runs stop` went on "its orchestrator stops it within
    seconds": nothing may act on the request, and the output said the opposite."""
    import socket

    from sqlalchemy import update

    import workloads
    from dagwell.store import schema
    from dagwell.store.ownership import boot_id

    run = workloads.ml()
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        client = Client(home)
        with client.store().engine.begin() as conn:
            conn.execute(
                update(schema.runs)
                .where(schema.runs.c.id == run.id)
                .values(
                    status="running",
                    owner=f"{socket.gethostname()}:{sleeper.pid}:{boot_id()}",
                    heartbeat_at=time.time() - ORPHAN_AFTER - 3600,
                    ended_at=None,
                )
            )
        client.close()
        out = subprocess.run(
            [sys.executable, "-m", "dagwell", "runs", "stop", run.id],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "DAGWELL_HOME": str(home)},
        )
        assert out.returncode == 0, out.stderr
        assert f"kill -9 {sleeper.pid}" in out.stderr
        assert "within seconds" not in out.stdout, out.stdout
        assert "may not act on it" in out.stdout and "note above" in out.stdout, out.stdout
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()
