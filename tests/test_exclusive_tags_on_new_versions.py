"""An exclusive tag given by name to a new artifact version (save_artifact(tags=...), an
output's ArtifactConfig(tags=...), inside a step or out) leaves the artifact's other
versions, as ZenML 0.98 keeps one version of each artifact with it (measured there:
save_artifact(2, name, tags=["best"]) after v1 was tagged Tag("best", exclusive=True)
leaves v1 with no tags)."""

from __future__ import annotations

from typing import Annotated

from dagwell import ArtifactConfig, Client, Tag, add_tags, pipeline, save_artifact, step


def _tags_by_version(name: str) -> dict[str, list[str]]:
    return {
        str(v.version): [t.name for t in v.tags]
        for v in Client().list_artifact_versions(name=name, size=100)
    }


def _first_version_tagged_best(name: str) -> None:
    v1 = save_artifact(1, name=name)
    add_tags(tags=[Tag(name="best", exclusive=True)], artifact_version_id=v1.id)


def test_save_artifact_outside_a_step(home):
    """Before: both versions carried 'best'."""
    _first_version_tagged_best("model_art")
    save_artifact(2, name="model_art", tags=["best"])
    assert _tags_by_version("model_art") == {"1": [], "2": ["best"]}


@step(enable_cache=False)
def saves_the_best() -> None:
    save_artifact(3, name="model_art", tags=["best"])


@step(enable_cache=False)
def makes_the_best() -> Annotated[int, ArtifactConfig(name="model_art", tags=["best"])]:
    return 4


@pipeline(enable_cache=False)
def retraining() -> None:
    saves_the_best()
    makes_the_best(after="saves_the_best")


def test_save_artifact_and_an_output_inside_a_step(home):
    """Before: versions 1, 2 and 3 all carried 'best'."""
    _first_version_tagged_best("model_art")
    retraining()
    assert _tags_by_version("model_art") == {"1": [], "2": [], "3": ["best"]}
