"""The store and artifacts under pressure: several orchestrators on one SQLite home, a
pipeline on PostgreSQL, an unreachable store, and a writer killed mid-artifact."""

import hashlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from dagwell import Client
from dagwell.core.errors import StoreUnavailable
from dagwell.store import Store
from helpers import TESTS

FANOUT = """
import sys
sys.path.insert(0, {tests!r})
from dagwell import pipeline, step

@step(enable_cache=False)
def work(i: int) -> int:
    return i * i

@pipeline(enable_cache=False, name="concurrent")
def many():
    for i in range(25):
        work(i)

many()
print("DONE")
"""


def test_several_runs_at_once_on_one_sqlite_home(home, tmp_path):
    script = tmp_path / "fanout.py"
    script.write_text(FANOUT.format(tests=str(TESTS)))
    env = {**os.environ, "DAGWELL_HOME": str(home), "DAGWELL_PROGRESS": "0"}
    procs = [
        subprocess.Popen(
            [sys.executable, str(script)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    for p, out in zip(procs, outputs, strict=True):
        assert p.returncode == 0 and "DONE" in out, out
        assert "database is locked" not in out
    runs = Client().list_runs()
    assert len(runs) == 4 and {r.status.value for r in runs} == {"completed"}
    assert all(len(r.steps) == 25 for r in runs)


def test_a_pipeline_on_postgresql(home, postgres_url, monkeypatch):
    import workloads

    monkeypatch.setenv("DAGWELL_STORE_URL", postgres_url)
    run = workloads.ml(n=3)
    assert run.status.value == "completed"
    again = workloads.ml(n=3)
    assert {s.status.value for s in again.steps.values()} == {"cached"}
    assert [r.id for r in Client().list_runs()] == [again.id, run.id]
    assert not (home / "dagwell.db").exists()


def test_an_unreachable_store_is_a_clear_error_within_seconds():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="DAGWELL_STORE_URL") as info:
        Store.open(f"postgresql://nobody:secret@127.0.0.1:{port}/dagwell")
    assert time.monotonic() - started < 15
    assert "secret" not in str(info.value)  # the password is not printed


WRITER = """
import sys
from dagwell.artifact_store.store import LocalArtifactStore
store = LocalArtifactStore(sys.argv[1])
print("writing", flush=True)
store.put(b"x" * 600_000_000)
print("written", flush=True)
"""


def test_a_writer_killed_mid_artifact_leaves_no_half_object(tmp_path):
    root = tmp_path / "artifacts"
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER), str(root)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "writing"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # kill it once the temp file is half written
        temps = list((root / "tmp").glob("put-*"))
        if temps and temps[0].stat().st_size > 50_000_000:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    objects = (
        [p for p in (root / "objects").rglob("*") if p.is_file()]
        if (root / "objects").exists()
        else []
    )
    for path in objects:  # whatever exists under a real name is whole
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name
    from dagwell.artifact_store.store import LocalArtifactStore

    ref, _ = LocalArtifactStore(root).put(b"y" * 1000)  # the store still works
    assert LocalArtifactStore(root).get(ref) == b"y" * 1000
