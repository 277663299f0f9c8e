# Shape of ZenML's docs "Tags" (how-to/tags/tags.md: tag pipelines and runs, exclusive
# tags, filter by tags) and ZenML 0.98's zenml/utils/tag_utils.py: a pipeline's tags are its
# runs' (with_options adds more), a step's bare add_tags tags its run, add_tags/remove_tags
# take run= and pipeline=, an exclusive tag stays on one run of a pipeline, and
# list_pipeline_runs filters by tags. Passes on ZenML 0.98.
from typing_extensions import Annotated

from dagwell import Tag, pipeline, step
from dagwell.client import Client
from dagwell.utils.tag_utils import add_tags, remove_tags


@step
def trainer() -> Annotated[int, "weights"]:
    add_tags(tags=["tagged_in_step"])  # no target, in a step: the step's run
    return 1


@pipeline(enable_cache=False, tags=["experiment", Tag(name="cascaded", cascade=True)])
def training():
    trainer()


@pipeline(enable_cache=False)
def evaluation():
    trainer()


@pipeline(enable_cache=False, tags=[Tag(name="newest", exclusive=True)])
def refreshed():
    trainer()


def names(tags):
    return sorted(t.name for t in tags)


if __name__ == "__main__":
    client = Client()
    first = training()
    run = client.get_pipeline_run(first.id)
    assert names(run.tags) == ["cascaded", "experiment", "tagged_in_step"], names(run.tags)
    assert names(client.get_artifact_version("weights").tags) == ["cascaded"]

    second = training.with_options(tags=["nightly"])()  # added to the pipeline's own
    assert names(client.get_pipeline_run(second.id).tags) == [
        "cascaded",
        "experiment",
        "nightly",
        "tagged_in_step",
    ]
    config_tags = client.get_pipeline_run(second.id).config.tags  # as configured: names, Tags
    assert [getattr(t, "name", t) for t in config_tags] == ["experiment", "cascaded", "nightly"]
    assert "experiment" in config_tags
    other = evaluation()
    assert names(client.get_pipeline_run(other.id).tags) == ["tagged_in_step"]

    assert [r.id for r in client.list_pipeline_runs(tags=["nightly"])] == [second.id]
    both = client.list_pipeline_runs(tags=["experiment", "nightly"])  # every tag given
    assert [r.id for r in both.items] == [second.id] and both.total == 1
    assert {r.id for r in client.list_pipeline_runs(tags="experiment")} == {first.id, second.id}
    assert [r.id for r in client.list_pipeline_runs(tags=["startswith:night"])] == [second.id]
    assert len(client.list_pipeline_runs(tags=["no_such_tag"])) == 0

    add_tags(tags=["reviewed"], run=first.id)
    remove_tags(tags=["experiment", "never_there"], run=first.name)
    assert names(client.get_pipeline_run(first.id).tags) == [
        "cascaded",
        "reviewed",
        "tagged_in_step",
    ]
    assert {r.id for r in client.list_pipeline_runs(tags="experiment")} == {second.id}

    # An exclusive tag is on one run of a pipeline at a time: tagging another moves it.
    add_tags(tags=[Tag(name="best", exclusive=True)], run=first.id)
    add_tags(tags=[Tag(name="best", exclusive=True)], run=other.id)  # another pipeline's
    add_tags(tags=[Tag(name="best", exclusive=True)], run=second.id)
    assert "best" not in names(client.get_pipeline_run(first.id).tags)
    assert "best" in names(client.get_pipeline_run(second.id).tags)
    assert "best" in names(client.get_pipeline_run(other.id).tags)
    best = [t for t in client.get_pipeline_run(second.id).tags if t.name == "best"][0]
    assert best.exclusive is True
    try:
        add_tags(tags=[Tag(name="experiment", exclusive=True)], run=first.id)
        raise AssertionError("a tag made non-exclusive cannot be attached as exclusive")
    except ValueError as error:
        assert "experiment" in str(error)

    # A pipeline's exclusive tag: each new run takes it from the one before.
    older, newer = refreshed(), refreshed()
    assert "newest" not in names(client.get_pipeline_run(older.id).tags)
    assert "newest" in names(client.get_pipeline_run(newer.id).tags)

    add_tags(tags=["team-a"], pipeline="training")
    assert names(client.get_pipeline("training").tags) == ["team-a"]
    assert names(client.get_pipeline("evaluation").tags) == []
    remove_tags(tags="team-a", pipeline="training")
    assert names(client.get_pipeline("training").tags) == []

    try:
        add_tags(tags=["x"])
        raise AssertionError("add_tags with no target outside a step must be refused")
    except ValueError:
        pass
