"""The dashboard's output previews read ZenML's output shapes (``outputs[name][0]``)."""

from dagwell import pipeline, step
from dagwell.ui.previews import preview


@step
def make_text() -> str:
    return "<b>hello</b>"


@pipeline(enable_cache=False)
def previewed():
    make_text()


def test_preview_of_a_recorded_output(home):
    run = previewed()
    shown = preview(run.steps["make_text"], "output")
    assert shown["kind"] == "text" and "<b>hello</b>" in shown["text"]
