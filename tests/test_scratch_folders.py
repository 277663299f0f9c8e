"""The folders loaded artifacts are unpacked into live as long as the step that loaded them.

Each test runs a script with its own TMPDIR, so what an attempt leaves in /tmp is counted:
a ``Path`` input's copy, a user materializer's unpacked folder (which its loaded value may
still read, as it could read ZenML's artifact store) and a materializer's
``get_temporary_directory(delete_at_exit=False)`` must all be usable inside the step and
gone once it has ended.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagwell.artifact_store import scratch
from helpers import run_script

SCRIPT = """
import os, sys, tempfile
from pathlib import Path
from typing import Any, Type

from dagwell import pipeline, step
from dagwell.materializers import BaseMaterializer


class Weights:
    def __init__(self, path):
        self.path = path  # read lazily, as a model loaded from files may be


class WeightsMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (Weights,)

    def save(self, data: Weights) -> None:
        with open(os.path.join(self.uri, "w.txt"), "w") as f:
            f.write("0.5")

    def load(self, data_type: Type[Any]) -> Weights:
        with self.get_temporary_directory(delete_at_exit=False) as kept:
            Path(kept, "note").write_text("kept until the step ends")
        return Weights(Path(self.uri) / "w.txt")


@step
def export() -> Path:
    folder = Path(os.environ["WORK"]) / "export"
    folder.mkdir(exist_ok=True)
    (folder / "a.txt").write_text("A")
    return folder


@step
def train() -> Weights:
    return Weights(None)


@step(enable_cache=False)
def consume(folder: Path, weights: Weights) -> str:
    return f"{(folder / 'a.txt').read_text()} {weights.path.read_text()} {folder}"


@pipeline(enable_cache=False)
def scratch_pipeline():
    consume(export(), train())


if __name__ == "__main__":
    run = scratch_pipeline()
    print("RESULT", run.steps["consume"].output.load())
    print("LEFT", sorted(os.listdir(tempfile.gettempdir())))
    weights = run.steps["train"].output.load()  # outside a step: usable after the load
    print("DRIVER", weights.path.read_text())
"""


def test_loaded_folders_last_for_the_step_and_no_longer(tmp_path: Path) -> None:
    script = tmp_path / "scratch_script.py"
    script.write_text(SCRIPT)
    scratch_tmp = tmp_path / "tmp"
    work = tmp_path / "work"
    scratch_tmp.mkdir()
    work.mkdir()
    done = run_script([str(script)], tmp_path / "home", TMPDIR=str(scratch_tmp), WORK=str(work))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    a, w, folder = lines["RESULT"].split(" ")
    assert (a, w) == ("A", "0.5")
    assert not Path(folder).exists()
    assert lines["LEFT"] == "[]", "an attempt left folders behind"
    assert lines["DRIVER"] == "0.5"
    left = sorted(p.name.rsplit("-", 1)[0] for p in scratch_tmp.iterdir())
    # the driver's load: the unpacked copy goes with its process; the materializer's own
    # delete_at_exit=False folder outside a step is left to the caller, as in ZenML
    assert left == ["dagwell-mat-tmp"], left


def test_a_scope_removes_what_was_made_in_it_and_only_that(tmp_path: Path) -> None:
    outside = scratch.folder("dagwell-test-")
    with scratch.scope():
        inside = scratch.folder("dagwell-test-")
        extra = tmp_path / "registered"
        extra.mkdir()
        assert scratch.register(str(extra))
        assert os.path.isdir(inside)
    assert not os.path.exists(inside) and not extra.exists()
    assert os.path.isdir(outside) and not scratch.register(outside)
    os.rmdir(outside)
