# ZenML 0.98's Client tag methods (docs 'Tags': create an exclusive tag up front, then tag
# runs by its name; get_tag, list_tags with filters): a tag made by create_tag, by a
# pipeline's tags= or on an artifact version is found and listed. Passes on ZenML 0.98.
from dagwell import pipeline, step, save_artifact
from dagwell.client import Client
from dagwell.utils.tag_utils import add_tags

@step
def s() -> int:
    return 1

@pipeline(enable_cache=False, tags=["on_run"])
def p():
    s()

if __name__ == "__main__":
    client = Client()
    made = client.create_tag(name="production", exclusive=True)
    assert made.name == "production" and made.exclusive is True
    first, second = p(), p()
    add_tags(tags=["production"], run=first.id)
    add_tags(tags=["production"], run=second.id)
    assert "production" not in [t.name for t in client.get_pipeline_run(first.id).tags]
    save_artifact(1, "a", tags=["on_version"])
    assert client.get_tag("production").exclusive is True
    assert client.get_tag("on_run").exclusive is False
    assert client.get_tag("on_version").name == "on_version"
    names = sorted(t.name for t in client.list_tags())
    assert names == ["on_run", "on_version", "production"], names
    assert [t.name for t in client.list_tags(exclusive=True)] == ["production"]
    try:
        client.get_tag("nope")
        raise AssertionError
    except KeyError:
        pass
    try:
        client.create_tag(name="production")
        raise AssertionError
    except Exception as e:
        assert type(e).__name__ == "EntityExistsError", type(e)

