# ZenML 0.98 source (orchestrators/step_runner.py, steps/utils.py): an output without a
# name of its own is still an artifact version, named "<pipeline>::<invocation id>::<output>"
# with output "output" (one value) or "output_0", "output_1" (a tuple literal). Each run adds
# a version. Checked on ZenML 0.98 itself: it passes there unchanged (imports back to zenml).
from typing import Tuple

from dagwell import pipeline, step
from dagwell.client import Client


@step
def make() -> int:
    return 3


@step
def pair() -> Tuple[int, str]:
    return 1, "a"


@step
def add(x: int) -> int:
    return x + 1


@pipeline(enable_cache=False)
def unnamed_outputs():
    a = make()
    add(a)
    add(a, id="add_again")
    pair()


if __name__ == "__main__":
    run = unnamed_outputs()
    client = Client()
    expected = {
        "unnamed_outputs::make::output": 3,
        "unnamed_outputs::add::output": 4,
        "unnamed_outputs::add_again::output": 4,
        "unnamed_outputs::pair::output_0": 1,
        "unnamed_outputs::pair::output_1": "a",
    }
    for name, value in expected.items():
        version = client.get_artifact_version(name)
        assert (version.name, version.artifact.name) == (name, name)
        assert str(version.version) == "1" and version.load() == value
    assert run.steps["add_again"].output.name == "unnamed_outputs::add_again::output"
    assert run.steps["pair"].outputs["output_1"][0].load() == "a"
    unnamed_outputs()
    newest = client.get_artifact_version("unnamed_outputs::make::output")
    assert str(newest.version) == "2"
    first = client.get_artifact_version("unnamed_outputs::make::output", version=1)
    assert first.load() == 3 and first.id != newest.id
