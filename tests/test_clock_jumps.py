"""A wall-clock jump mid-run (an NTP step, a resumed VM, ``date -s``) changes nothing a run
does: timeouts, queue timeouts and retry backoffs run on the monotonic clock. The jump is
real: the pipeline runs under libfaketime (Debian's ``faketime``; ``make test`` installs
it as root), which moves the wall clock of the orchestrator, its zygote and its attempts
while leaving the monotonic clock alone. A step writes the jump into libfaketime's file
while it sleeps. Recorded times stay wall-clock readings, and durations stay true.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from conftest import need
from dagwell.core.home import resolve_home
from dagwell.store import Store

#: where Debian's libfaketime is, for this machine's architecture (None: not installed)
LIBFAKETIME = next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))), None)

PIPELINE = """
import sys
import threading
from pathlib import Path

from dagwell import LocalOrchestrator, StepRetryConfig, pipeline, step

JUMP_FILE, JUMP, MARKER = sys.argv[1], sys.argv[2], Path(sys.argv[3])


# Under libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC=1, time.sleep (Python's
# clock_nanosleep on CLOCK_MONOTONIC, TIMER_ABSTIME) fails with EINVAL even at "+0";
# a timed wait on an Event works.
def pause(seconds):
    threading.Event().wait(seconds)


@step(retry=StepRetryConfig(max_retries=1, delay=2.0, backoff=1.0, jitter=0.0))
def flaky() -> None:
    if not MARKER.exists():
        MARKER.write_text("failed once")
        raise RuntimeError("the first attempt fails")


@step(timeout=30)
def slow() -> None:
    pause(0.5)
    Path(JUMP_FILE).write_text(JUMP + "\\n")  # the wall clock jumps while this step sleeps
    pause(2.5)


@step
def waiter() -> None:  # queued behind the one slot since the run's start
    pass


@pipeline(enable_cache=False)
def jumpy() -> None:
    flaky()
    slow()
    waiter()


orchestrator = LocalOrchestrator(max_parallelism=1, queue_timeout=60)
run = jumpy.with_options(orchestrator=orchestrator)()
print("RUN", run.id)
"""


def _run_with_jump(home: Path, tmp_path: Path, jump: str) -> dict[str, object]:
    need(
        None
        if LIBFAKETIME is not None
        else "libfaketime is missing: install Debian's faketime (`make faketime` as root)"
    )
    assert LIBFAKETIME is not None
    jump_file = tmp_path / "faketime"
    jump_file.write_text("+0\n")
    script = tmp_path / "jumpy.py"
    script.write_text(textwrap.dedent(PIPELINE))
    env = {
        **os.environ,
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME_TIMESTAMP_FILE": str(jump_file),
        "FAKETIME_NO_CACHE": "1",  # every clock read sees the file's offset as it is now
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",  # a wall-clock jump moves no monotonic clock
    }
    marker = tmp_path / "marker"
    done = subprocess.run(
        [sys.executable, str(script), str(jump_file), jump, str(marker)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # a backoff stretched by an hour would hang here, not pass
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run_id = done.stdout.split("RUN ", 1)[1].split()[0]
    shown = subprocess.run(
        [sys.executable, "-m", "dagwell", "runs", "show", run_id, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    store = Store.open(resolve_home().store_url)
    try:
        beat = store.run_row(run_id)["heartbeat_at"]
    finally:
        store.close()
    return {**json.loads(shown.stdout), "heartbeat_at": beat}


def _at(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


@pytest.mark.parametrize("jump", ["+1h", "-1h"])
def test_a_wall_clock_jump_changes_no_decision_and_no_duration(
    home: Path, tmp_path: Path, jump: str
) -> None:
    run = _run_with_jump(home, tmp_path, jump)
    assert run["status"] == "completed", run
    steps = run["steps"]
    assert isinstance(steps, dict)
    attempts = {name: [a["status"] for a in s["attempts"]] for name, s in steps.items()}
    assert attempts == {
        "flaky": ["failed", "completed"],  # its backoff was not stretched by the jump
        "slow": ["completed"],  # not killed as past its timeout
        "waiter": ["completed"],  # not failed as past its queue_timeout
    }
    (slow,) = steps["slow"]["attempts"]
    for what, took in [
        ("the 3 s attempt", slow["duration"]),
        ("the 3 s attempt (its times)", _at(slow["ended_at"]) - _at(slow["started_at"])),
        ("the 3 s step", _at(steps["slow"]["ended_at"]) - _at(steps["slow"]["started_at"])),
    ]:
        assert 2.5 <= took < 30, f"{what} is recorded as lasting {took:.1f} s"
    first, second = steps["flaky"]["attempts"]
    waited = _at(second["started_at"]) - _at(first["ended_at"])
    assert 1.5 <= waited < 30, f"the 2 s backoff is recorded as {waited:.1f} s"
    assert isinstance(run["duration"], float) and run["duration"] < 60, run["duration"]
    # The heartbeat kept its pace after the jump and was stamped with the jumped wall clock,
    # which the other processes (`runs stop`, `runs resume`) compare it with: 3600 s off the
    # records, which stay in the frame the run started in.
    ahead = float(run["heartbeat_at"]) - _at(str(run["ended_at"]))  # type: ignore[arg-type]
    expected = 3600.0 if jump == "+1h" else -3600.0
    assert abs(ahead - expected) < 5, f"the last heartbeat is {ahead:.1f} s off the run's end"
