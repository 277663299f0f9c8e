# ZenML 0.98's Client().update_tag(tag, exclusive=...): a tag two runs of one pipeline
# carry cannot be made exclusive (ValueError); once it is, tagging another run moves it.
# Passes on ZenML 0.98.
from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.utils.tag_utils import add_tags, remove_tags

@step
def s() -> int:
    return 1

@pipeline(enable_cache=False)
def p():
    s()

if __name__ == "__main__":
    client = Client()
    first, second = p(), p()
    add_tags(tags=["candidate"], run=first.id)
    add_tags(tags=["candidate"], run=second.id)
    try:
        client.update_tag(tag_name_or_id="candidate", exclusive=True)
        raise AssertionError("two runs of one pipeline carry it: it cannot be exclusive")
    except ValueError:
        pass
    remove_tags(tags=["candidate"], run=first.id)
    assert client.update_tag(tag_name_or_id="candidate", exclusive=True).exclusive is True
    add_tags(tags=["candidate"], run=first.id)  # exclusive now: it moves
    assert "candidate" not in [t.name for t in client.get_pipeline_run(second.id).tags]
    assert client.update_tag(tag_name_or_id="candidate", exclusive=False).exclusive is False

