"""ZenML 0.98's deprecated metadata functions, which real projects still import (11
``log_artifact_metadata`` imports in zenml-projects). Before: importing any of them
failed the whole program with ZenMLNameMissing."""

from __future__ import annotations

from typing import Annotated

import pytest

from dagwell import (
    Client,
    Model,
    link_artifact_to_model,
    log_artifact_metadata,
    log_model_metadata,
    log_step_metadata,
    pipeline,
    save_artifact,
    step,
)


@step(enable_cache=False)
def _train() -> Annotated[int, "weights"]:
    log_artifact_metadata({"accuracy": 0.9})  # the only output
    log_model_metadata({"f1": 0.8})  # the step's model version
    log_step_metadata({"took": 3})  # the running step
    link_artifact_to_model(save_artifact(7, name="extra"))  # the step's model version
    return 1


@pipeline(model=Model(name="clf"), enable_cache=False)
def _training() -> None:
    _train()


def _logged(metadata: dict) -> dict:
    """An artifact version's metadata but ZenML's storage_size, which every one has, and
    the string_representation ZenML's BuiltInMaterializer records of a number."""
    assert metadata["storage_size"] > 0
    base = ("storage_size", "string_representation")
    return {k: v for k, v in metadata.items() if k not in base}


def test_inside_a_step_they_log_where_zenmls_do(home):
    run = _training()
    step = run.steps["_train"]
    # (step.output would be ambiguous, as in ZenML: the saved "extra" is an output too)
    assert _logged(step.outputs["weights"][0].run_metadata) == {"accuracy": 0.9}
    assert step.outputs["extra"][0].load() == 7
    assert step.run_metadata == {"took": 3}
    version = Client().get_model_version("clf")
    assert version.run_metadata == {"f1": 0.8}
    linked = version.get_artifact("extra")
    assert linked is not None and linked.load() == 7


def test_outside_a_step_they_name_their_target_and_warn(home, caplog):
    _training()
    log_artifact_metadata({"checked": True}, artifact_name="weights")  # its latest version
    assert _logged(Client().get_artifact_version("weights").run_metadata) == {
        "accuracy": 0.9,
        "checked": True,
    }
    log_step_metadata({"reviewed": "yes"}, "_train", pipeline_name_id_or_prefix="_training")
    assert Client().get_pipeline("_training").last_run.steps["_train"].run_metadata == {
        "took": 3,
        "reviewed": "yes",
    }
    log_model_metadata({"auc": 0.7}, model_name="clf", model_version=1)
    assert Client().get_model_version("clf", 1).run_metadata == {"f1": 0.8, "auc": 0.7}
    for name in ("log_artifact_metadata", "log_step_metadata", "log_model_metadata"):
        assert f"`{name}` function is deprecated" in caplog.text
    with pytest.raises(ValueError, match="either providing both `model_name` and"):
        log_model_metadata({"x": 1}, model_name="clf")
    with pytest.raises(ValueError, match="within a step"):
        log_artifact_metadata({"x": 1})
    with pytest.raises(RuntimeError, match="passing the `model`"):
        link_artifact_to_model(Client().get_artifact_version("weights"))
    # as ZenML's: a Model without version= gets a new version, a new model its first
    # (before: the latest existing version was linked, and a new model was a KeyError)
    link_artifact_to_model(Client().get_artifact_version("weights"), Model(name="clf"))
    newest = Client().get_model_version("clf")
    assert newest.number == 2 and newest.get_artifact("weights") is not None
    fresh = Model(name="brand_new")
    link_artifact_to_model(Client().get_artifact_version("weights"), fresh)
    assert fresh.number == 1 and fresh.get_artifact("weights") is not None
