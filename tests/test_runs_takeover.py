"""`dagwell runs stop` and `runs resume` when the run's orchestrator cannot act.

A script that calls its pipeline at top level is loaded again to find its steps: that
load must not start a second run.
"""

import json
import os
import signal
import subprocess
import sys

import pytest

from dagwell.runtimes.locator import load_file_module
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
