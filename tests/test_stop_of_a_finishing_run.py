"""`dagwell runs stop` of a run that ends on its own while the stop is being asked.

The command reads the run (running), asks its orchestrator to stop it, and reads it
again. An orchestrator already recording the run's end (every step done) records it as
it was: completed. Before, the command then said "Run ... stopped: completed: 1 steps",
a stop that never happened. Now it says the run ended on its own before the stop acted.
"""

import os
import subprocess
import sys

from dagwell import Client
from dagwell.core.statuses import RunStatus
from helpers import latest_run, start_orchestrator, wait_for

# The orchestrator, held as it starts recording its run's end until the test lets it go.
HELD_AT_ITS_END = """
import os, time
import workloads
from dagwell.engine.loop import Engine

AT_END, GO = {at_end!r}, {go!r}
original = Engine._record_end

def held(self, *args, **kwargs):
    open(AT_END, "w").close()
    deadline = time.monotonic() + 60
    while not os.path.exists(GO) and time.monotonic() < deadline:
        time.sleep(0.02)
    return original(self, *args, **kwargs)

Engine._record_end = held
print("RESULT", workloads.sleepy(count=1, seconds=0.1).status.value)
"""

# `dagwell runs stop`, letting the orchestrator go on once the stop is asked, and reading
# the run again only once it has ended: the window, made certain.
STOP_WHILE_IT_ENDS = """
import os, sys, time
import dagwell.engine.resume as resume
from dagwell import Client

GO, RUN = sys.argv[1], sys.argv[2]
original = resume.end_if_frozen

def let_it_end(store, run_id, notify):
    open(GO, "w").close()
    deadline = time.monotonic() + 60
    while Client().get_run(RUN).status.value == "running" and time.monotonic() < deadline:
        time.sleep(0.02)
    return original(store, run_id, notify)

resume.end_if_frozen = let_it_end
sys.argv = ["dagwell", "runs", "stop", RUN]
from dagwell.cli.commands import main
main()
"""


def test_a_run_that_completes_while_it_is_stopped_is_not_said_stopped(home, tmp_path):
    at_end, go = tmp_path / "at_end", tmp_path / "go"
    proc = start_orchestrator(
        home, tmp_path, HELD_AT_ITS_END.format(at_end=str(at_end), go=str(go))
    )
    try:
        wait_for(at_end.exists, 60, "the orchestrator to reach its run's end")
        run = latest_run(home)
        assert run.status is RunStatus.RUNNING
        script = tmp_path / "stop.py"
        script.write_text(STOP_WHILE_IT_ENDS)
        env = {**os.environ, "DAGWELL_HOME": str(home)}
        done = subprocess.run(
            [sys.executable, str(script), str(go), run.id],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert "RESULT completed" in out, out
    assert Client(home).get_run(run.id).status is RunStatus.COMPLETED
    assert done.returncode == 0, done.stderr
    assert "stopped" not in done.stdout, done.stdout
    assert f"Run {run.id} ended completed before the stop could act" in done.stdout, done.stdout
