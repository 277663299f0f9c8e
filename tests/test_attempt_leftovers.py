"""Nothing an attempt leaves on disk outlives it, even when it is killed mid-write.

An attempt killed by its timeout while its output is being written (an OOM kill, SIGKILL
or a stopped run do the same) runs no cleanup of its own: its partial file in the
artifact store's ``tmp/`` and its temporary folders (a loaded ``Path`` input's copy, the
step's own ``tempfile`` use) stayed for good. Each test runs a real pipeline with its own
TMPDIR; the killed attempt's retry looks for what the first attempt left, and after the
run neither the store's ``tmp/`` nor TMPDIR holds anything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from dagwell.artifact_store.store import WRITER_ENV, LocalArtifactStore
from dagwell.runtimes.attempt_scratch import MAX_SPARE_FOLDERS, run_writer, writer_name
from helpers import run_script, wait_for

SCRIPT = """
import os, sys, tempfile, threading, time
from pathlib import Path

from dagwell import LocalOrchestrator, StepRetryConfig, pipeline, step

WORK = Path(os.environ["WORK"])
STORE_TMP = Path(os.environ["DAGWELL_HOME"], "artifacts", "tmp")


class Slow:
    def __reduce__(self):  # an output still being written when its timeout kills it
        time.sleep(0.03)
        return (bytes, (b"x" * (1 << 20),))


def note_partial_file():
    while True:  # (says which partial file the store holds once it is well under way)
        for f in STORE_TMP.glob("*") if STORE_TMP.exists() else ():
            if f.stat().st_size > 10_000_000:
                (WORK / "partial").write_text(f.name)
                return
        time.sleep(0.02)


def others_left(folder, mine):  # what the other attempt folders hold, and how many
    deadline = time.monotonic() + 1.2
    while True:
        try:
            others = [p for p in folder.iterdir() if p.name != mine]
            left = sorted(str(f.relative_to(folder)) for p in others for f in p.rglob("*"))
        except FileNotFoundError:  # (the orchestrator is removing one while we look)
            if time.monotonic() > deadline + 10:
                raise
            time.sleep(0.05)
            continue
        if time.monotonic() > deadline or all("never-removed-" in f for f in left):
            return left, len(others)
        time.sleep(0.05)


def store_left():  # the partial files in the store (removed off the orchestrator's loop)
    deadline = time.monotonic() + 1.2
    while True:
        left = sorted(p.name for p in STORE_TMP.iterdir())
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


@step
def export() -> Path:
    folder = WORK / "export"
    folder.mkdir(exist_ok=True)
    (folder / "a.txt").write_text("A")
    return folder


# (the timeout leaves a spawned interpreter on a loaded machine time to start, import and
# get well into writing its output: 1000 x 1 MB at 30 ms each, 30 s, never finishes in it)
@step(timeout=8, retry=StepRetryConfig(max_retries=1), enable_cache=False)
def big(folder: Path) -> list:
    own = Path(tempfile.mkdtemp(prefix="own-"))
    (own / "f").write_text("the step's own scratch")
    if os.environ["DAGWELL_ATTEMPT_NUMBER"] == "1":
        threading.Thread(target=note_partial_file, daemon=True).start()
        return [Slow() for _ in range(1000)]
    here = Path(tempfile.gettempdir())
    return [
        str(here.parent.parent) == os.environ["TMPDIR_OF_RUN"],
        others_left(here.parent, here.name),  # attempt 1's folder, export's and plain's
        store_left(),  # attempt 1's partial output
    ]


@step(enable_cache=False)
def plain(folder: Path) -> str:
    tempfile.mkstemp(prefix="never-removed-")
    return str(folder)


@pipeline(enable_cache=False)
def leftovers():
    folder = export()
    big(folder)
    plain(folder)


if __name__ == "__main__":
    run = leftovers.with_options(orchestrator=LocalOrchestrator(start_method=sys.argv[1]))()
    print("ATTEMPTS", [a.failure.kind if a.failure else None for a in run.steps["big"].attempts])
    print("SEEN", run.steps["big"].output.load())
"""


@dataclass
class Leftovers:
    home: Path
    tmp: Path
    partial: str  # the name of the killed attempt's partial file, seen while it ran
    own_folder: bool  # the retry's TMPDIR was a folder of its own in the run's
    folders_left: list[str]  # what the other attempts' folders held when the retry ran
    folders: int  # how many other folders it saw (empty ones, kept for later attempts)
    store_left: list[str]  # the files in the store's tmp/ the retry saw


@pytest.fixture(scope="module", params=["auto", "spawn"])
def leftovers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Leftovers:
    base = tmp_path_factory.mktemp(f"leftovers-{request.param}")
    script = base / "leftovers_script.py"
    script.write_text(SCRIPT)
    scratch_tmp, work, home = base / "tmp", base / "work", base / "home"
    scratch_tmp.mkdir()
    work.mkdir()
    done = run_script(
        [str(script), request.param],
        home,
        TMPDIR=str(scratch_tmp),
        TMPDIR_OF_RUN=str(scratch_tmp),
        WORK=str(work),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    assert lines["ATTEMPTS"] == "[<FailureKind.TIMEOUT: 'timeout'>, None]", lines
    own_folder, (folders_left, folders), store_left = eval(lines["SEEN"])
    partial = (work / "partial").read_text()
    return Leftovers(home, scratch_tmp, partial, own_folder, folders_left, folders, store_left)


def test_a_killed_attempts_partial_output_is_removed_when_it_ends(leftovers: Leftovers) -> None:
    assert leftovers.store_left == [], f"the killed attempt's {leftovers.partial} outlived it"
    assert os.listdir(leftovers.home / "artifacts" / "tmp") == []


def test_no_temporary_folder_outlives_its_attempt_or_its_run(leftovers: Leftovers) -> None:
    """A killed attempt's temporary files go when it ends; a successful one's when the run
    does (a step may hand the next the path of a file it made there)."""
    assert leftovers.own_folder, "the attempt's TMPDIR is not a folder of its own in the run's"
    (kept,) = leftovers.folders_left  # plain's, which succeeded: not the killed attempt's
    assert "never-removed-" in kept, leftovers.folders_left
    assert leftovers.folders <= 2 * MAX_SPARE_FOLDERS + 1, "ended attempts' folders outlived them"
    assert os.listdir(leftovers.tmp) == [], "attempts left temporary files behind"


def test_only_the_ended_writers_temp_files_are_removed(tmp_path: Path, monkeypatch) -> None:
    """An attempt's writer name never starts another's: not another attempt's of its run
    (``a.1`` and ``a.12``), not another run's whose id starts with its run's."""
    root = tmp_path / "artifacts"
    writers = {
        "a.1": writer_name("run1", "a", 1),
        "a.12": writer_name("run1", "a", 12),
        "b.1": writer_name("run1", "b", 1),
        "other run": writer_name("run1~x", "a", 1),
        "orchestrator": "",
    }
    names = {}
    for who, writer in writers.items():
        monkeypatch.setenv(WRITER_ENV, writer)
        fd, names[who] = LocalArtifactStore(root)._create_temp("put-")
        os.close(fd)
    store = LocalArtifactStore(root)
    assert store.discard_temp(writers["a.1"]) == 1
    assert not os.path.exists(names["a.1"])
    assert store.discard_temp(run_writer("run1")) == 2  # a.12 and b.1
    left = sorted(os.listdir(root / "tmp"))
    assert left == sorted(os.path.basename(names[w]) for w in ("other run", "orchestrator"))


ORPHAN = """
import os, tempfile, time
from pathlib import Path

from dagwell import pipeline, step


class Slow:
    def __reduce__(self):
        time.sleep(0.03)
        return (bytes, (b"x" * (1 << 20),))


@step(enable_cache=False)
def big() -> list:
    Path(tempfile.mkdtemp(prefix="own-"), "f").write_text("the step's own scratch")
    return [Slow() for _ in range(1000)]


@pipeline(enable_cache=False)
def orphaned():
    big()


if __name__ == "__main__":
    orphaned()
"""


def test_an_orchestrator_killed_mid_write_leaves_nothing_once_its_run_is_stopped(
    tmp_path: Path,
) -> None:
    script = tmp_path / "orphan_script.py"
    script.write_text(ORPHAN)
    scratch_tmp, home = tmp_path / "tmp", tmp_path / "home"
    scratch_tmp.mkdir()
    env = {**os.environ, "DAGWELL_HOME": str(home), "DAGWELL_PROGRESS": "0"}
    env.update(TMPDIR=str(scratch_tmp))
    env.pop("DAGWELL_STORE_URL", None)
    env.pop("DAGWELL_ARTIFACT_STORE", None)
    proc = subprocess.Popen([sys.executable, str(script)], env=env)
    store_tmp = home / "artifacts" / "tmp"

    def partial() -> list[Path]:
        found = list(store_tmp.glob("*")) if store_tmp.exists() else []
        return [f for f in found if f.stat().st_size > 10_000_000]

    try:
        wait_for(partial, 60, "the attempt's output to be half written")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert list(scratch_tmp.rglob("own-*")), "the attempt made no scratch folder"
    stop = subprocess.run(
        [sys.executable, "-m", "dagwell", "runs", "stop", "latest"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert stop.returncode == 0, stop.stdout + stop.stderr
    assert os.listdir(store_tmp) == [], "the killed attempt's partial output outlived its run"
    assert os.listdir(scratch_tmp) == [], "the killed attempt's folders outlived its run"


def test_a_file_a_step_made_in_its_temporary_folder_is_there_for_the_next_step(home) -> None:
    """Before: each attempt's TMPDIR went when it ended, so a step returning the path of a
    tempfile it made (a common shortcut, fine in ZenML's local orchestrator) failed the
    step reading it with FileNotFoundError."""
    import tempfile

    from dagwell import pipeline, step

    @step(enable_cache=False)
    def make() -> str:
        path = os.path.join(tempfile.mkdtemp(), "data.txt")
        with open(path, "w") as f:
            f.write("hello")
        return path

    @step(enable_cache=False)
    def use(path: str) -> str:
        with open(path) as f:
            return f.read()

    @pipeline(enable_cache=False)
    def handing() -> None:
        use(make())

    run = handing()
    assert run.steps["use"].output.load() == "hello"
    assert not os.path.exists(run.steps["make"].output.load())  # gone with the run


def test_a_fan_out_finds_its_attempt_folders_made_ahead(tmp_path: Path, monkeypatch) -> None:
    """Before: 2 folders were made ahead, so a turn launching 8 attempts made 6 on the
    loop's thread (a mkdir is 100-250 us): 333 of 800 launches. Now the number made ahead
    grows to the launches of a turn."""
    import tempfile
    import threading
    from dataclasses import replace

    import dagwell.runtimes.attempt_scratch as scratch
    from dagwell.runtimes.base import AttemptSpec

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    on_loop = []
    made = tempfile.mkdtemp

    def counting(*args, **kwargs):
        if threading.current_thread() is threading.main_thread():
            on_loop.append(1)
        return made(*args, **kwargs)

    monkeypatch.setattr(scratch.tempfile, "mkdtemp", counting)
    spec = AttemptSpec("fanrun", "s", "s", 1, None, {}, {}, [], str(tmp_path / "store"), "m")
    leftovers = scratch.AttemptLeftovers("fanrun")
    try:
        for turn in range(100):
            specs = [replace(spec, step_id=f"s{turn}_{i}") for i in range(8)]
            specs = [replace(s, scratch=leftovers.folder(s)) for s in specs]
            wait_for(lambda: len(leftovers._ready) >= min(8, leftovers._spares), timeout=5)
            for s in specs:
                leftovers.ended(s, succeeded=True)
    finally:
        leftovers.close()
    assert len(on_loop) <= 8, f"{len(on_loop)} of 800 launches made their folder on the loop"
