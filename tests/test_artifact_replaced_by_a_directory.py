"""An artifact's file replaced by a directory between runs (a broken copy, a user's
mistake under DAGWELL_HOME).

Before: the next cached run's check of the output raised IsADirectoryError in the engine
loop, a traceback, and the run was recorded ``cancelled``, "the run was stopped", which
nobody had asked for; ``load()`` raised the bare IsADirectoryError. Now the output is no
valid object: the step runs again and its output takes the directory's place, and a load
of what is not a file says which artifact, where, and what to do.
"""

from __future__ import annotations

import pytest

from dagwell import Client, pipeline, step
from dagwell.core.errors import ArtifactError
from dagwell.core.statuses import RunStatus, StepStatus


@step
def numbers(n: int) -> list[int]:
    return list(range(n))


@step
def total(values: list[int]) -> int:
    return sum(values)


@pipeline
def adds_up() -> None:
    total(numbers(100))


def _replace_by_a_directory(first) -> None:
    output = first.steps["numbers"].output
    path = output.uri
    import os

    os.unlink(path)
    os.mkdir(path)
    with open(os.path.join(path, "inside"), "w") as f:
        f.write("not an artifact")


def test_a_cached_output_replaced_by_a_directory_is_rerun_and_put_back(home):
    first = adds_up()
    _replace_by_a_directory(first)
    second = adds_up()
    assert second.status is RunStatus.COMPLETED
    assert second.steps["numbers"].status is StepStatus.COMPLETED  # not a cache hit
    assert second.steps["numbers"].output.load() == list(range(100))
    assert first.steps["numbers"].output.load() == list(range(100))  # same digest: repaired


def test_loading_an_artifact_that_is_a_directory_says_so(home):
    first = adds_up()
    _replace_by_a_directory(first)
    client = Client(home)
    try:
        recorded = client.get_run(first.id).steps["numbers"].output
        with pytest.raises(ArtifactError, match="is not a file") as raised:
            recorded.load()
    finally:
        client.close()
    assert recorded.uri in str(raised.value) and "re-run the step" in str(raised.value)
