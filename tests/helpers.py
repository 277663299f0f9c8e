"""Helpers for tests that drive a pipeline in a separate orchestrator process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from dagwell import Client, RunFailedError

TESTS = Path(__file__).parent


def start_orchestrator(home: Path, tmp_path: Path, body: str) -> subprocess.Popen[str]:
    """Run ``body`` (Python using the test workloads) as its own orchestrator process."""
    script = tmp_path / "orchestrator.py"
    script.write_text(f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n" + textwrap.dedent(body))
    env = {**os.environ, "DAGWELL_HOME": str(home), "DAGWELL_PROGRESS": "0"}
    return subprocess.Popen(
        [sys.executable, str(script)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_script(
    command: list[str],
    home: Path,
    *,
    cwd: Path | None = None,
    timeout: float = 120,
    **env_extra: str,
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` (``[script]`` or interpreter arguments) with this interpreter as a
    user would, in its own DAGWELL_HOME (the caller's store settings are not inherited),
    without a progress display; output captured."""
    env = {**os.environ, "DAGWELL_HOME": str(home), "DAGWELL_PROGRESS": "0", **env_extra}
    env.pop("DAGWELL_STORE_URL", None)
    env.pop("DAGWELL_ARTIFACT_STORE", None)
    return subprocess.run(
        [sys.executable, *command], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


def wait_for(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def latest_run(home: Path):
    """The latest run in ``home``, or None while there is none yet."""
    client = Client(home)
    try:
        return client.get_run("latest")
    except Exception:
        return None
    finally:
        client.close()


def recorded_run(home: Path, run_id: str):
    """The run ``run_id`` as ``home``'s store records it, read by a Client of its own."""
    client = Client(home)
    try:
        return client.get_run(run_id)
    finally:
        client.close()


def running_attempts(home: Path, count: int, timeout: float = 30.0):
    """Wait until the latest run has ``count`` running attempts; return (run, pids)."""

    def check():
        run = latest_run(home)
        if run is None:
            return None
        live = [
            a
            for s in run.steps.values()
            for a in s.attempts
            if a.status.value == "running" and a.external_id
        ]
        return (run, [int(a.external_id) for a in live]) if len(live) >= count else None

    return wait_for(check, timeout, f"{count} running attempts")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def outcome(start):
    """Call ``start`` (a pipeline, or a function that runs one); return the run either way."""
    try:
        return start()
    except RunFailedError as error:
        return error.run
