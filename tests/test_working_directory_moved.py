"""User code that moves the orchestrator's working directory while a run goes on.

Hooks (and in-process steps) run in the orchestrator's process, so their ``os.chdir``
moves the working directory the default home (``.dagwell/`` under it) was found from.
Before, the pipeline call read its run's view from the working directory of the run's
end: a folder the hook had deleted raised FileNotFoundError from a completed run, and
another folder was read as the home (``run.pipeline.runs`` empty, an empty ``.dagwell/``
left in it). Now the call reads the home its run was recorded in.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = """
import os, sys
from dagwell import pipeline, step


def move() -> None:
    os.mkdir({target!r})
    os.chdir({target!r})
    if {delete!r}:
        os.rmdir({target!r})


@step(enable_cache=False, on_success=move)
def s() -> int:
    return 1


@pipeline(enable_cache=False)
def p() -> None:
    s()


run = p()
print("STATUS", run.status.value)
print("RUNS", len(run.pipeline.runs), run.config.name)
"""


@pytest.mark.parametrize("delete", [True, False], ids=["deleted", "kept"])
def test_a_hook_moving_the_working_directory_leaves_the_run_its_home(tmp_path, delete):
    target = str(tmp_path / "elsewhere")
    script = tmp_path / "moves.py"
    script.write_text(SCRIPT.format(target=target, delete=delete))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAGWELL_")}
    env["DAGWELL_PROGRESS"] = "0"
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "STATUS completed" in done.stdout
    assert "RUNS 1 p" in done.stdout, done.stdout  # read from tmp_path/.dagwell
    assert (tmp_path / ".dagwell" / "dagwell.db").exists()
    assert not os.path.exists(os.path.join(target, ".dagwell"))
