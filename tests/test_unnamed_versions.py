"""Unnamed outputs are artifact versions, as in ZenML 0.98, read from the run store.

ZenML (orchestrators/step_runner.py, orchestrators/step_launcher.py) registers every
output: one without a name of its own as ``<pipeline>::<invocation id>::<output>``,
numbered per run that produced it; a cached step produces no new version and its outputs
are the version the original run produced. dagwell derives these versions from the run
store's step records (nothing is written for them by the attempt); these tests pin what
ZenML code sees of them.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import pytest

from dagwell import Client, Model, add_tags, get_step_context, log_metadata, pipeline, step


@step(enable_cache=True)
def make(n: int) -> int:
    return n * 2


@step(enable_cache=False)
def tagged() -> int:
    context = get_step_context()
    context.add_output_metadata({"rows": 7})
    context.add_output_tags(["fresh"])
    return 1


@step(enable_cache=False)
def fresh(n: int) -> int:
    return n + 1


@step(enable_cache=False)
def reads_upstream() -> str:
    """Inside a step: the upstream's unnamed version through Client(), as ZenML code does
    (ordered by after=, like ZenML's grid-search select step)."""
    run = Client().get_pipeline_run(get_step_context().pipeline_run.id)
    version = run.steps["make"].output
    same = Client().get_artifact_version(version.name, version.version)
    assert same.id == version.id and same.load() == version.load()
    return f"{version.name}@{version.version}"


@pipeline
def unnamed_chain(n: int = 3) -> None:
    make(n)
    reads_upstream(after="make")


@pipeline(enable_cache=False)
def with_metadata() -> None:
    tagged()


@pipeline(model=Model(name="unnamed_model"))
def with_model() -> None:
    make(5)  # a cache hit from the second run on
    fresh(5)


def test_versions_are_numbered_per_producing_run_and_a_cached_step_adds_none(home):
    first = unnamed_chain(n=3)
    cached = unnamed_chain(n=3)  # make is a cache hit: ZenML makes no new version
    assert cached.steps["make"].cached_from == first.id
    second = unnamed_chain(n=4)
    client = Client()
    name = "unnamed_chain::make::output"
    versions = client.list_artifact_versions(name=name)
    assert [str(v.version) for v in versions] == ["1", "2"]
    assert [v.load() for v in versions] == [6, 8]
    assert client.get_artifact_version(name).load() == 8
    assert str(client.get_artifact_version(name, version=1).version) == "1"
    # The step's output is the same version object as the Client's, every time it is read.
    one = first.steps["make"].outputs["output"][0]
    assert one == client.get_artifact_version(name, 1)
    assert one.id == client.get_run(first.id).steps["make"].output.id
    assert cached.steps["make"].output.id == one.id  # the version the original run made
    assert second.steps["make"].output.id == versions[-1].id != one.id
    # By id (with dashes or not) and by a prefix of it, as ZenML's name_id_or_prefix.
    import uuid

    assert client.get_artifact_version(str(uuid.UUID(one.id))).load() == 6
    assert client.get_artifact_version(one.id[:12]).version == one.version
    assert one.uri.startswith(str(client.artifacts().url))
    # Readers inside the step saw their upstream's version.
    assert first.steps["reads_upstream"].output.load() == f"{name}@1"
    assert name in {a.name for a in client.list_artifacts()}
    assert client.get_artifact(name).latest_version_name == "2"
    assert "unnamed_chain::reads_upstream::output" in {
        v.name for v in client.list_artifact_versions()
    }


def test_metadata_and_tags_of_an_unnamed_version_from_the_step_and_afterwards(home):
    run = with_metadata()
    client = Client()
    name = "with_metadata::tagged::output"
    version = client.get_artifact_version(name)
    size = version.run_metadata["storage_size"]  # (ZenML's base metadata of every version)
    # (and what ZenML's BuiltInMaterializer records of an int: its string_representation)
    base = {"storage_size": size, "string_representation": "1"}
    assert size > 0 and version.run_metadata == {**base, "rows": 7}
    assert [t.name for t in version.tags] == ["fresh"]
    log_metadata({"score": 0.5}, artifact_name=name, artifact_version="1")
    log_metadata({"by_id": True}, artifact_version_id=version.id)
    add_tags(["later"], artifact_name=name, artifact_version="1")
    again = run.steps["tagged"].output
    assert again.id == version.id
    assert again.run_metadata == {**base, "rows": 7, "score": 0.5, "by_id": True}
    assert {t.name for t in client.get_artifact_version(name).tags} == {"fresh", "later"}
    assert [v.id for v in client.list_artifact_versions(tag="later")] == [version.id]
    # The attempt wrote nothing for the version itself: no version document, no pointer.
    docs = [p for p, _, _ in os.walk(home / "artifacts" / "registry" / "artifacts")]
    assert len(docs) <= 1


def test_a_model_version_links_the_outputs_its_run_produced_or_took_from_the_cache(home):
    """ZenML links a cached step's outputs to the current run's model version as well
    (step_launcher.py, step_run_utils.link_output_artifacts_to_model_version): the
    starter template's inference pipeline reads the cached preprocess_pipeline that way."""
    with_model()
    second = with_model()
    assert second.steps["make"].cached_from is not None
    client = Client()
    made, cached = "with_model::fresh::output", "with_model::make::output"
    one = client.get_model_version("unnamed_model", 1)
    two = client.get_model_version("unnamed_model", 2)
    first, newest = one.get_artifact(made), two.get_artifact(made)
    assert first is not None and newest is not None
    assert (str(first.version), str(newest.version)) == ("1", "2")
    assert first.load() == newest.load() == 6
    assert newest.id == client.get_artifact_version(made).id
    # The cached output is the one version run 1 made, linked to both model versions.
    assert [str(v.version) for v in client.list_artifact_versions(name=cached)] == ["1"]
    by_one, by_two = one.get_artifact(cached), two.get_artifact(cached)
    assert by_one is not None and by_two is not None and by_one.id == by_two.id
    assert by_two.load() == 10
    assert set(two.data_artifacts) == {made, cached}


def test_an_unknown_unnamed_name_or_version_says_what_exists(home):
    unnamed_chain(n=1)
    client = Client()
    with pytest.raises(KeyError, match="has no version 7; it has 1"):
        client.get_artifact_version("unnamed_chain::make::output", version=7)
    with pytest.raises(KeyError, match="No artifact named"):
        client.get_artifact_version("unnamed_chain::nope::output")


@step
def preprocess(n: int) -> Annotated[int, "prepared"]:
    return n * 10


@pipeline
def features(n: int = 2) -> None:
    preprocess(n)


@pipeline(model=Model(name="template_model"))
def training(n: int = 2) -> None:
    features(n)  # ZenML's composition, as the starter template's training pipeline does


def test_a_named_output_taken_from_the_cache_is_linked_to_the_runs_model_version(home):
    """The starter template (feature, training, inference): training calls the feature
    pipeline, whose step is a cache hit; the inference step then asks the production model
    version for that artifact. ZenML 0.98 answers it; dagwell answered None."""
    features()
    run = training()
    assert run.steps["preprocess"].cached_from is not None
    client = Client()
    linked = client.get_model_version("template_model", 1).get_artifact("prepared")
    assert linked is not None and linked.load() == 20
    assert linked.id == client.get_artifact_version("prepared").id
    assert [str(v.version) for v in client.list_artifact_versions(name="prepared")] == ["1"]


@step(enable_cache=False)
def input_identity(x: int) -> str:
    version = get_step_context().inputs["x"][0]
    assert version.load() == x
    return f"{version.name} {version.id}"


@pipeline(enable_cache=False)
def inputs_chain() -> None:
    input_identity(fresh(1))


def test_a_step_input_is_the_unnamed_version_the_client_lists(home):
    """ZenML's get_step_context().inputs shows an input as the artifact version it is:
    the same name and id Client() gives it afterwards."""
    run = inputs_chain()
    version = Client().get_artifact_version("inputs_chain::fresh::output")
    assert run.steps["input_identity"].output.load() == f"{version.name} {version.id}"


@step(enable_cache=False)
def fit_unnamed() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression().fit([[0.0], [1.0]], [0, 1])


@pipeline(enable_cache=False)
def fitting_without_model() -> None:
    fit_unnamed()


def test_an_unnamed_model_output_is_a_model_artifact_without_a_model_too(home):
    """ZenML's SklearnMaterializer declares ArtifactType.MODEL whatever the pipeline's
    model: the type is the output's, not the model version's."""
    pytest.importorskip("sklearn")
    fitting_without_model()
    version = Client().get_artifact_version("fitting_without_model::fit_unnamed::output")
    assert version.artifact_type == "ModelArtifact"


@step(enable_cache=False)
def doubled(value: int) -> int:
    return value * 2


@pipeline(model=Model(name="lazy_unnamed"), enable_cache=False)
def lazy_unnamed(value: int) -> None:
    from dagwell import get_pipeline_context

    doubled(value)
    model = get_pipeline_context().model
    fresh(model.get_artifact("lazy_unnamed::doubled::output"), id="uses", after=["doubled"])


def test_a_models_unnamed_artifact_in_a_pipeline_function_is_found_when_the_step_starts(home):
    """ZenML's lazy model artifact works for an unnamed output linked to the run's model
    version too (it is an artifact version like any other)."""
    assert lazy_unnamed(3).steps["uses"].output.load() == 7
    assert lazy_unnamed(4).steps["uses"].output.load() == 9


@step(enable_cache=False)
def named_and_not() -> tuple[Annotated[int, "weights"], Annotated[int, "output_9"]]:
    return 1, 2


@pipeline(enable_cache=False)
def naming() -> None:
    named_and_not()


def test_a_named_output_is_listed_under_its_name_only_as_in_zenml(home):
    """Before: list_artifacts() also listed `naming::named_and_not::weights`, a derived
    unnamed artifact for an output that has a name of its own (ZenML has only "weights")."""
    naming()
    client = Client()
    listed = {a.name for a in client.list_artifacts(size=50)}
    assert "weights" in listed and "naming::named_and_not::weights" not in listed
    with pytest.raises(KeyError):
        client.get_artifact("naming::named_and_not::weights")
    assert client.get_artifact_version("weights").load() == 1
