# ZenML's own integration test of its public API (tests/integration/functional/steps/
# test_dynamic_artifact_names.py: test_various_naming_scenarios, test_that_overrides_work_
# as_expected), as a script. A step output named by a template is listed in step.outputs
# under the name it got; a run with the cache off still leaves its steps for a later cached
# run, whose outputs keep the first run's names; run.config.substitutions and a step's
# config.substitutions hold date, time and the substitutions in force, and with_options(
# substitutions=...) adds to the decorator's. Before: outputs were keyed by the template,
# the second run ran again, config had no substitutions, with_options dropped "date".
from typing import Tuple

from typing_extensions import Annotated

from dagwell import pipeline, step
from dagwell.client import Client


@step(substitutions={"who": "team"})
def named() -> Tuple[
    Annotated[str, "report_{date}_{time}"],
    Annotated[str, "owner_{who}"],
    str,
]:
    return "report", "owner", "plain"


@step
def owned() -> Annotated[str, "owned_by_{who}"]:
    return "owned"


@pipeline(substitutions={"date": "today"})
def naming(step_level: str = ""):
    named()
    if step_level:
        owned.with_options(substitutions={"who": step_level, "date": step_level})()
    else:
        owned()


if __name__ == "__main__":
    client = Client()
    first = naming.with_options(enable_cache=False, substitutions={"who": "pipeline"})()
    keys = set(first.steps["named"].outputs)
    time = first.config.substitutions["time"]
    assert keys == {f"report_today_{time}", "owner_team", "output_2"}, keys
    for key in keys:
        name = key if not key.startswith("output") else f"naming::named::{key}"
        assert client.get_artifact_version(name).load() in ("report", "owner", "plain")
    assert first.config.substitutions["date"] == "today"
    assert first.config.substitutions["who"] == "pipeline"
    assert first.steps["named"].config.substitutions["who"] == "team"
    assert set(first.steps["owned"].outputs) == {"owned_by_pipeline"}

    again = naming.with_options(enable_cache=True, substitutions={"who": "pipeline"})()
    assert again.steps["named"].status == "cached"
    assert set(again.steps["named"].outputs) == keys
    assert again.config.substitutions["time"] != time

    third = naming.with_options(enable_cache=False)("step")
    assert "who" not in third.config.substitutions
    assert third.config.substitutions["date"] == "today"
    step_subs = third.steps["owned"].config.substitutions
    assert (step_subs["who"], step_subs["date"]) == ("step", "step")
    assert set(third.steps["owned"].outputs) == {"owned_by_step"}
