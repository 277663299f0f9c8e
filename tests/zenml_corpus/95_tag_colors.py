# ZenML 0.98's tag management (docs: "Organizing with tags"): a tag made with a color,
# given another one later, a Tag(color=...) that makes the tag as it tags a run, and a
# color read back off the run's tags and the Client's listing. Before: the color was
# accepted and dropped, and tag.color was an AttributeError. Passes on ZenML 0.98.
from dagwell import Tag, add_tags, pipeline, step
from dagwell.client import Client
from dagwell.enums import ColorVariants


@step
def s() -> int:
    return 1


@pipeline(enable_cache=False, tags=[Tag(name="nightly", color="purple")])
def p():
    s()


if __name__ == "__main__":
    client = Client()
    made = client.create_tag(name="candidate", color=ColorVariants.RED)
    assert made.color == ColorVariants.RED == "red"
    assert client.update_tag(tag_name_or_id="candidate", color="green").color == "green"
    assert client.get_tag("candidate").color == ColorVariants.GREEN
    run = p()
    add_tags(tags=[Tag(name="reviewed", color=ColorVariants.BLUE)], run=run.id)
    colors = {t.name: t.color for t in client.get_pipeline_run(run.id).tags}
    assert colors == {"nightly": "purple", "reviewed": "blue"}, colors
    plain = client.create_tag(name="plain")  # made without one: some color all the same
    assert plain.color in list(ColorVariants)
    listed = {t.name: t.color for t in client.list_tags(size=100)}
    assert listed["candidate"] == "green" and listed["reviewed"] == "blue"
    try:
        Tag(name="odd", color="not-a-color")
        raise AssertionError("a color that is none of ColorVariants was accepted")
    except ValueError:
        pass
