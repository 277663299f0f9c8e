"""A class of the pipeline's script is one class in every process that runs its steps.

Each test runs a script of its own (the script's classes are what is under test, and a
test module's classes are importable, which hides the problem): as ``python script.py``
(the script is ``__main__``, attempts are forked), with spawned attempts (they load the
script as ``__dagwell_file_0__``) and as ``dagwell run script.py`` (``__dagwell_file_0__``
everywhere).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers import run_script

SCRIPT = """
import enum, os, threading
from dagwell import LocalOrchestrator, pipeline, step

_LOCK = threading.Lock()  # a global a method reads: not part of any artifact


class Color(enum.Enum):
    RED = 1


class Box:
    def __init__(self, n):
        self.n = n
        self.color = Color.RED

    def bump(self):
        with _LOCK:
            self.n += 1


@step(enable_cache=False)
def make() -> Box:
    box = Box(3)
    box.bump()
    return box


@step
def use(b: Box) -> str:
    seen = f"{isinstance(b, Box)} {b.color is Color.RED} {b.n}"
    print("use ran:", seen)
    return seen


@pipeline
def boxes():
    use(make())


if __name__ == "__main__":  # (dagwell run finds the pipeline and runs it itself)
    orchestrator = LocalOrchestrator(start_method=os.environ.get("METHOD", "auto"))
    run = boxes.with_options(orchestrator=orchestrator)()
    box = run.steps["make"].output.load()
    print("RESULT", run.steps["use"].output.load(), isinstance(box, Box), box.color is Color.RED)
"""


def _run(tmp_path: Path, how: str, home: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "boxes.py"
    script.write_text(SCRIPT)
    command = ["-m", "dagwell", "run", str(script)] if how == "cli" else [str(script)]
    method = "spawn" if how == "spawn" else "auto"
    return run_script(command, home, cwd=tmp_path, timeout=180, METHOD=method)


@pytest.mark.parametrize("how", ["main", "spawn", "cli"])
def test_a_script_class_is_itself_in_the_next_step_and_is_a_cache_hit_again(tmp_path, how):
    """Before: as __main__ (forked) the next step got a copy of Box (isinstance False, its
    Color.RED not the script's), pickled with its method's lock ('cannot pickle
    _thread.lock'); before 9bd14bd's reversal, the same under dagwell run and spawn, and
    the copy's random class id gave every run a new digest, so `use` was never cached."""
    home = tmp_path / "home"
    first = _run(tmp_path, how, home)
    said = first.stdout + first.stderr
    assert first.returncode == 0, said[-4000:]
    assert "use ran: True True 4" in said, said[-3000:]  # the step saw the script's Box
    if how != "cli":  # (and so does the script that ran it)
        assert "RESULT True True 4 True True" in first.stdout, said[-3000:]
    again = _run(tmp_path, how, home)
    assert again.returncode == 0, (again.stdout + again.stderr)[-4000:]
    assert "use ran" not in again.stdout + again.stderr  # the same digest: a cache hit


def test_a_program_without_the_script_is_told_why_it_cannot_load_its_class(tmp_path):
    home = tmp_path / "home"
    done = _run(tmp_path, "main", home)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    reader = (
        "from dagwell import Client\n"
        "run = Client().get_pipeline('boxes').last_run\n"
        "try:\n"
        "    run.steps['make'].output.load()\n"
        "except Exception as error:\n"
        "    print(type(error).__name__, error)\n"
    )
    out = run_script(["-c", reader], home, cwd=tmp_path, timeout=60)
    assert "ArtifactError The artifact holds a Box of the pipeline's script" in out.stdout, (
        out.stdout + out.stderr
    )
