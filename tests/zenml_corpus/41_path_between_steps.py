# Shape of ZenML's docs "Materializers" > "Passing Files and Directories Between Steps"
# (PathMaterializer): a step returns a pathlib.Path to a folder (or a file) it wrote; the
# next step gets a Path to a local copy of its contents, not the original path (a single
# file arrives named "file_data", as ZenML's PathMaterializer names it).
# Passes on ZenML 0.98.
import os
import shutil
import tempfile
from pathlib import Path

from typing_extensions import Annotated

from dagwell import pipeline, step

WORK = tempfile.mkdtemp()


@step
def export_folder() -> Annotated[Path, "exported"]:
    folder = Path(WORK) / "export"
    (folder / "nested").mkdir(parents=True, exist_ok=True)
    (folder / "weights.txt").write_text("0.5")
    (folder / "nested" / "vocab.txt").write_text("a b")
    return folder


@step
def export_file() -> Path:
    path = Path(WORK) / "single.csv"
    path.write_text("x\n1\n")
    return path


@step
def consume(folder: Path, single: Path) -> str:
    assert folder != Path(WORK) / "export" and single != Path(WORK) / "single.csv"
    return f"{(folder / 'weights.txt').read_text()} {(folder / 'nested' / 'vocab.txt').read_text()} {single.name} {single.read_text()!r}"


@pipeline(enable_cache=False)
def path_pipeline():
    consume(export_folder(), export_file())


if __name__ == "__main__":
    run = path_pipeline()
    shutil.rmtree(WORK)  # the artifacts do not depend on the originals
    assert run.steps["consume"].output.load() == "0.5 a b file_data 'x\\n1\\n'"
    loaded = run.steps["export_folder"].output.load()
    assert sorted(os.listdir(loaded)) == ["nested", "weights.txt"]
