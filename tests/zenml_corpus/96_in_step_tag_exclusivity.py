# ZenML 0.98's add_tags inside a step, with a Tag whose exclusive= is not the existing
# tag's (client.py attach_tag): the call raises ValueError in the step, which catches it
# here and tags its run by name instead. The tag may exist from before the run
# (Client().create_tag) or from an earlier step of the same run. Before: the call went
# on, the run got the plain tag, and the step never knew. Passes on ZenML 0.98.
from dagwell import Tag, add_tags, pipeline, step
from dagwell.client import Client


@step
def claims_production() -> str:
    try:
        add_tags(tags=[Tag(name="production", exclusive=True)])
    except ValueError as error:
        assert "non-exclusive" in str(error)
        add_tags(tags=["production"])
        return "by name"
    return "exclusive"


@step
def marks_latest() -> None:
    add_tags(tags=[Tag(name="latest", exclusive=True)])


@step
def marks_latest_plainly() -> str:
    try:
        add_tags(tags=[Tag(name="latest", exclusive=False)])
    except ValueError as error:
        assert "an exclusive tag" in str(error)
        return "refused"
    return "tagged"


@pipeline(enable_cache=False)
def release():
    claims_production()
    marks_latest()
    marks_latest_plainly(after="marks_latest")


if __name__ == "__main__":
    client = Client()
    client.create_tag(name="production")  # a plain tag, from before the run
    run = client.get_pipeline_run(release().id)
    assert run.steps["claims_production"].output.load() == "by name"
    assert run.steps["marks_latest_plainly"].output.load() == "refused"
    tags = {t.name: t.exclusive for t in run.tags}
    assert tags == {"production": False, "latest": True}, tags
