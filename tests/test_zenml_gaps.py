"""ZenML 0.98 shapes that a finished run, a model version and an input artifact show.

Written from ZenML 0.98's source: zenml/config/compiler.py and step_configurations.py
(``run.config`` is the pipeline's configuration, ``enable_cache`` None unless set;
``step.config`` the step's own ``enable_cache`` and its settings over the pipeline's),
zenml/models/v2/core/model_version.py (``get_model_artifact``/``get_data_artifact`` by
artifact type), zenml/artifacts/unmaterialized_artifact.py and zenml/utils/tag_utils.py.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Annotated, Any

import pytest

from dagwell import (
    ArtifactConfig,
    Client,
    Model,
    ResourceSettings,
    RunFailedError,
    get_step_context,
    load_artifact,
    pipeline,
    save_artifact,
    step,
)
from dagwell.artifacts.unmaterialized_artifact import UnmaterializedArtifact
from dagwell.enums import ArtifactType
from dagwell.errors import DefinitionError
from dagwell.io import fileio
from dagwell.materializers.base_materializer import BaseMaterializer


@step(enable_cache=True, settings={"resources": ResourceSettings(cpu_count=1)})
def _configured(x: int) -> int:
    config = get_step_context().step_run.config  # the same shape inside the step
    assert config.enable_cache is True and config.settings["resources"].cpu_count == 1
    assert config.parameters == {"x": 1}
    return x + 1


@step
def _plain(y: int) -> int:
    return y * 2


@pipeline(enable_cache=False, settings={"resources": ResourceSettings(memory="300MB")})
def _configured_pipeline() -> None:
    _plain(_configured(1))


@pipeline
def _unconfigured_pipeline() -> None:
    _plain(3)


def test_a_finished_run_read_back_shows_its_configuration(home):
    ran = _configured_pipeline()
    for run in (ran, Client().get_pipeline_run(ran.id)):
        assert run.config.enable_cache is False
        assert run.config.settings["resources"].memory == "300MB"
        configured, plain = run.steps["_configured"].config, run.steps["_plain"].config
        assert configured.enable_cache is True
        assert plain.enable_cache is None  # ZenML: the step's own value, not the pipeline's
        assert configured.settings["resources"].cpu_count == 1  # the step's own resources
        assert plain.settings["resources"].memory == "300MB"  # the pipeline's, propagated
        assert configured.parameters == {"x": 1}
    other = Client().get_pipeline_run(_unconfigured_pipeline().id)
    assert other.config.enable_cache is None and other.config.settings == {}
    assert other.steps["_plain"].config.settings == {}
    assert other.steps["_plain"].config.parameters == {"y": 3}


class _Weights:
    def __init__(self, values: list[float]) -> None:
        self.values = values


class _WeightsMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (_Weights,)
    ASSOCIATED_ARTIFACT_TYPE = ArtifactType.MODEL

    def load(self, data_type: type[Any]) -> _Weights:
        with fileio.open(os.path.join(self.uri, "w.json"), "r") as f:
            return _Weights(json.load(f))

    def save(self, data: _Weights) -> None:
        with fileio.open(os.path.join(self.uri, "w.json"), "w") as f:
            json.dump(data.values, f)


@step
def _train() -> tuple[
    Annotated[int, ArtifactConfig(name="classifier", artifact_type=ArtifactType.MODEL)],
    Annotated[int, ArtifactConfig(name="legacy_classifier", is_model_artifact=True)],
    Annotated[_Weights, "weights"],
    Annotated[list[int], "features"],
]:
    return 1, 2, _Weights([0.5]), [1, 2]


@pipeline(model=Model(name="typed_model"), enable_cache=False)
def _training() -> None:
    _train()


def test_model_artifacts_and_data_artifacts_are_told_apart_by_type(home):
    _training()
    version = Client().get_model_version("typed_model")
    for model in (version, version.to_model_class()):
        for name in ("classifier", "legacy_classifier", "weights"):
            assert model.get_model_artifact(name) is not None, name
            assert model.get_data_artifact(name) is None, name
            assert model.get_artifact(name) is not None, name
        assert model.get_model_artifact("features") is None
        assert model.get_data_artifact("features").load() == [1, 2]
    assert version.get_model_artifact("weights").load().values == [0.5]
    assert version.get_model_artifact("classifier").artifact_type == "ModelArtifact"
    assert sorted(version.model_artifacts) == ["classifier", "legacy_classifier", "weights"]
    assert sorted(version.data_artifacts) == ["features"]


@step
def _predict(model: list[int]) -> int:
    return sum(model)


@pipeline(model=Model(name="typed_model", version="latest"), enable_cache=False)
def _inference() -> None:
    from dagwell import get_pipeline_context

    # ZenML gives a lazy artifact here, resolved by name alone: a data artifact is found
    _predict(get_pipeline_context().model.get_model_artifact("features"))


def test_in_a_pipeline_function_the_lazy_model_artifact_is_found_by_name(home):
    _training()
    assert _inference().steps["_predict"].output.load() == 3


@step
def _make() -> tuple[Annotated[list[int], "raw_rows"], list[int]]:
    return [1, 2], [3]


@step
def _inspect(
    named: UnmaterializedArtifact, unnamed: UnmaterializedArtifact, plain: list[int]
) -> dict[str, str]:
    inputs = get_step_context().inputs
    assert named.load() == [1, 2] and plain == [3]
    return {
        "named": named.name,
        "named_version": str(named.version),
        "unnamed": unnamed.name,
        "context_named": inputs["named"][0].name,
        "context_plain": inputs["plain"][0].name,
    }


@pipeline(enable_cache=False)
def _unmaterialized() -> None:
    rows, extra = _make()
    _inspect(named=rows, unnamed=extra, plain=extra)


def test_an_unmaterialized_input_is_named_as_its_artifact(home):
    seen = _unmaterialized().steps["_inspect"].output.load()
    assert seen == {
        "named": "raw_rows",  # ZenML: the artifact's name, not the parameter's
        "named_version": "1",
        "unnamed": "_unmaterialized::_make::output_1",
        "context_named": "raw_rows",
        "context_plain": "_unmaterialized::_make::output_1",
    }


@step
def _tagged() -> Annotated[int, ArtifactConfig(name="tagged_value", tags=["keep", "drop"])]:
    from dagwell import add_tags, remove_tags

    add_tags(tags=["inferred", "gone"], infer_artifact=True)
    remove_tags(tags=["gone"], infer_artifact=True)
    return 5


@pipeline(enable_cache=False)
def _tagging() -> None:
    _tagged()


def test_remove_tags_untags_artifact_versions_as_zenml_does(home):
    from dagwell import save_artifact
    from dagwell.utils.tag_utils import add_tags, remove_tags  # ZenML's module path too

    _tagging()
    client = Client()
    tags = lambda: sorted(t.name for t in client.get_artifact_version("tagged_value").tags)  # noqa: E731
    assert tags() == ["drop", "inferred", "keep"]
    remove_tags(tags=["drop", "never_there"], artifact_name="tagged_value", artifact_version="1")
    assert tags() == ["inferred", "keep"]
    add_tags(tags=["drop"], artifact_name="tagged_value", artifact_version="1")
    assert tags() == ["drop", "inferred", "keep"]  # a later tagging tags it again
    version_id = client.get_artifact_version("tagged_value").id
    remove_tags(tags="keep", artifact_version_id=version_id)
    assert tags() == ["drop", "inferred"]
    saved = save_artifact([1], name="other", tags=["a", "b"])
    remove_tags(tags=["a"], artifact_version_id=saved.id)
    assert [t.name for t in client.get_artifact_version("other").tags] == ["b"]
    assert [v.name for v in client.list_artifact_versions(tag="b")] == ["other"]
    assert [v.name for v in client.list_artifact_versions(tag="a")] == []
    with pytest.raises(ValueError, match="outside of a step"):
        remove_tags(tags=["x"])


@step
def _fit() -> tuple[Annotated[Any, "estimator"], Annotated[Any, "scaler"]]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    return LogisticRegression().fit([[0.0], [1.0]], [0, 1]), StandardScaler().fit([[1.0]])


@pipeline(model=Model(name="sklearn_model"), enable_cache=False)
def _fitting() -> None:
    _fit()


def test_a_sklearn_estimator_is_a_model_artifact_as_with_zenmls_sklearn_integration(home):
    # ZenML's SklearnMaterializer (active whenever scikit-learn is installed) declares
    # ArtifactType.MODEL for every BaseEstimator, transformers included.
    _fitting()
    version = Client().get_model_version("sklearn_model")
    for name in ("estimator", "scaler"):
        assert version.get_model_artifact(name).artifact_type == "ModelArtifact"
        assert version.get_data_artifact(name) is None
    assert version.get_model_artifact("estimator").load().predict([[1.0]]).tolist() == [1]


@step
def _train_value(value: int) -> Annotated[int, "lazy_trained"]:
    return value


@step
def _use_value(model: int) -> int:
    return model


@pipeline(model=Model(name="lazy_model"), enable_cache=False)
def _same_run(value: int) -> None:
    from dagwell import get_pipeline_context

    _train_value(value)
    model = get_pipeline_context().model
    _use_value(model.get_model_artifact("lazy_trained"), after=["_train_value"])


@pipeline(model=Model(name="lazy_model"), enable_cache=False)
def _missing() -> None:
    from dagwell import get_pipeline_context

    _use_value(get_pipeline_context().model.get_artifact("never_made"))


def test_a_models_artifact_in_a_pipeline_function_is_looked_up_when_the_step_starts(home):
    # ZenML's lazy loading: the artifact an earlier step of the same run produced, in the
    # run's own model version (not the previous run's, and never None)
    assert _same_run(3).steps["_use_value"].output.load() == 3
    assert _same_run(4).steps["_use_value"].output.load() == 4
    with pytest.raises(RunFailedError, match="never_made.*not found in model `lazy_model`"):
        _missing()


@step(enable_cache=True)
def _always_cached(x: int) -> int:
    return x


@pipeline
def _yaml_cached() -> None:
    _always_cached(1)


def _second_run_with(tmp_path, yaml_text: str):
    """Run _yaml_cached twice under the run configuration ``yaml_text``; the second run."""
    config = tmp_path / "run.yaml"
    config.write_text(yaml_text)
    configured = _yaml_cached.with_options(config_path=str(config))
    configured()
    return configured()


def test_a_run_configurations_enable_cache_is_every_steps(home, tmp_path):
    # zenml/config/compiler.py _apply_run_configuration: "Override `enable_cache` of all
    # steps if set at run level", over the step's own @step(enable_cache=True)
    again = _second_run_with(tmp_path, "enable_cache: false\n")
    assert again.steps["_always_cached"].cached_from is None  # ran again, no cache hit
    assert again.steps["_always_cached"].config.enable_cache is False
    assert again.config.enable_cache is False
    _yaml_cached()
    assert _yaml_cached().steps["_always_cached"].cached_from is not None  # without it: cached


def test_a_steps_own_section_in_the_run_configuration_wins_over_its_top_level(home, tmp_path):
    # zenml/config/compiler.py: _apply_run_configuration sets every step's enable_cache
    # first, _compile_step_invocation then applies the YAML's steps.<id> section over it
    again = _second_run_with(
        tmp_path, "enable_cache: false\nsteps:\n  _always_cached:\n    enable_cache: true\n"
    )
    assert again.steps["_always_cached"].cached_from is not None  # the step's own: cached
    assert again.steps["_always_cached"].config.enable_cache is True
    assert again.config.enable_cache is False


@step
def _unnamed_weights() -> _Weights:
    return _Weights([1.5])


@pipeline(model=Model(name="unnamed_typed"), enable_cache=False)
def _unnamed_typed() -> None:
    _unnamed_weights()


def test_an_unnamed_output_keeps_its_materializers_artifact_type(home):
    run = _unnamed_typed()
    assert run.steps["_unnamed_weights"].output.artifact_type == "ModelArtifact"
    version = Client().get_model_version("unnamed_typed")
    found = version.get_model_artifact("_unnamed_typed::_unnamed_weights::output")
    assert found is not None and found.load().values == [1.5]


@step
def _prep() -> Annotated[int, "prep_value"]:
    return 11


@pipeline(model=Model(name="cached_lazy"))
def _cached_then_lazy() -> None:
    from dagwell import get_pipeline_context

    _prep()
    _use_value(get_pipeline_context().model.get_artifact("prep_value"), after=["_prep"])


def test_a_lazy_model_artifact_from_a_cached_step_is_found(home):
    # ZenML links a cached step's outputs to the current run's model version
    # (orchestrators/step_launcher.py), so the lazy lookup of the second run finds it
    assert _cached_then_lazy().steps["_use_value"].output.load() == 11
    again = _cached_then_lazy()
    assert again.steps["_prep"].cached_from is not None
    assert again.steps["_use_value"].output.load() == 11


# -- found running real ZenML code (ZenML's MLOps workshop, its docs' how-to pages) -------
class _Reading:
    def __init__(self, value: float) -> None:
        self.value = value


def test_a_materializers_extract_metadata_becomes_the_outputs_run_metadata(home):
    """Before: extract_metadata was never called (run_metadata {}), and a materializer
    that imported VisualizationType for save_visualizations failed the whole program at
    import. What the step logs for the output wins over what is extracted, as in ZenML."""
    from dagwell.enums import VisualizationType

    with pytest.warns(UserWarning, match="save_visualizations is not called"):

        class ReadingMaterializer(BaseMaterializer):
            ASSOCIATED_TYPES = (_Reading,)
            ASSOCIATED_ARTIFACT_TYPE = ArtifactType.DATA

            def load(self, data_type: type[Any]) -> _Reading:
                with fileio.open(os.path.join(self.uri, "r.json")) as f:
                    return _Reading(json.load(f)["value"])

            def save(self, data: _Reading) -> None:
                with fileio.open(os.path.join(self.uri, "r.json"), "w") as f:
                    json.dump({"value": data.value}, f)

            def extract_metadata(self, data: _Reading) -> dict[str, Any]:
                return {"value": data.value, "source": "extracted"}

            def save_visualizations(self, data: _Reading) -> dict[str, VisualizationType]:
                return {}

    @step(enable_cache=False)
    def measure() -> _Reading:
        get_step_context().add_output_metadata({"source": "logged"})
        return _Reading(2.5)

    @pipeline(enable_cache=False)
    def measuring() -> None:
        measure()

    output = measuring().steps["measure"].output
    assert output.load().value == 2.5
    metadata = dict(output.run_metadata)
    assert metadata.pop("storage_size") > 0  # (ZenML's base metadata: the bytes it takes)
    assert metadata == {"value": 2.5, "source": "logged"}


@step(enable_cache=False)
def _fails() -> int:
    raise ValueError("no")


@step(enable_cache=False)
def _a_while() -> int:
    import time

    time.sleep(1.0)  # (so _independent is not started before _fails has failed)
    return 1


@step(enable_cache=False)
def _independent(x: int) -> int:
    return x


@pytest.mark.parametrize(
    ("mode", "independent"),
    [
        ("CONTINUE_ON_FAILURE", "completed"),
        ("STOP_ON_FAILURE", "skipped"),
        ("FAIL_FAST", "skipped"),
        (None, "completed"),
    ],
)
def test_execution_mode_decides_what_runs_after_a_failure(home, mode, independent):
    """Before: DefinitionError 'execution_mode= is not supported', and ExecutionMode could
    not be imported from dagwell.enums. Without a mode ZenML 0.98's default holds,
    CONTINUE_ON_FAILURE (zenml/config/pipeline_configurations.py: its local orchestrator
    skips only steps downstream of a failure); before, dagwell's default stopped the run."""
    from dagwell.enums import ExecutionMode

    options = {} if mode is None else {"execution_mode": ExecutionMode[mode]}

    @pipeline(enable_cache=False, **options)
    def after_a_failure() -> None:
        _fails()
        _independent(_a_while())

    with pytest.raises(RunFailedError) as failed:
        after_a_failure()
    assert failed.value.run.steps["_independent"].status.value == independent
    # FAIL_FAST stops the step still running when _fails fails (before: it ran to its end)
    running = "cancelled" if mode == "FAIL_FAST" else "completed"
    assert failed.value.run.steps["_a_while"].status.value == running


@pytest.mark.parametrize(
    ("statement", "names"),
    [
        ("from dagwell.hooks import alerter_failure_hook, nope", "mirrors alerter_failure_hook"),
        (
            "from dagwell.integrations.slack.alerters import SlackAlerter",
            "alerters=\\[SlackAlerter\\(url=",
        ),
        (
            "from dagwell.integrations.mlflow.experiment_trackers import MLFlowExperimentTracker",
            "experiment tracker.*import mlflow and log from inside the step",
        ),
        ("import dagwell.integrations.s3.artifact_stores", "DAGWELL_ARTIFACT_STORE"),
        ("from dagwell.exceptions import RunStoppedException", "ends the run as stopped"),
        ("from dagwell.exceptions import ProvisioningError", "mirrors EntityExistsError, Hook"),
        ("import dagwell.utils.docker_utils", "dagwell builds no images"),
        ("from dagwell.integrations.sklearn.materializers import x", "mirrors SklearnMaterializer"),
    ],
)
def test_zenml_names_for_features_dagwell_lacks_say_what_to_use(statement, names):
    """Before: ModuleNotFoundError: No module named 'dagwell.hooks'; for mlflow, slack or s3
    a message that did not name the stack component."""
    with pytest.raises(ImportError, match=names):
        exec(statement)


@step(enable_cache=False)
def _gated(fail: bool) -> int:
    if fail:
        raise ValueError("quality gate")
    return 10


@pipeline(enable_cache=False)
def _gated_pipeline(fail: bool = False) -> None:
    _gated(fail=fail)


def test_zenmls_alerter_hooks_say_they_skip_and_what_posts_instead(capsys):
    """examples/failure_and_success_hooks names them; on ZenML's default stack they log that
    no alerter is configured. Before: importing them was an ImportError."""
    from dagwell.hooks import alerter_failure_hook, alerter_success_hook

    alerter_failure_hook(ValueError("x"))
    alerter_success_hook()
    err = capsys.readouterr().err
    assert "alerter_failure_hook: dagwell has no stack alerter" in err
    assert "alerters=[SlackAlerter(url)]" in err
    assert "alerter_success_hook: dagwell has no stack alerter" in err
    assert "alerters post failures only" in err


def test_zenmls_deployment_settings_are_accepted_and_a_call_runs_the_pipeline_once(home):
    """ZenML's quickstart (examples/quickstart/pipelines/simple_pipeline.py) carries
    DeploymentSettings(cors=CORSConfig(...)) for `zenml pipeline deploy`; its batch mode,
    `python run.py`, just runs it. Before: importing them was an ImportError."""
    from dagwell.api import steps as step_options
    from dagwell.config import CORSConfig, DockerSettings
    from dagwell.config.deployment_settings import DeploymentSettings

    step_options._DEPLOYMENT_WARNED.clear()
    settings = {
        "docker": DockerSettings(requirements="requirements.txt"),
        "deployment": DeploymentSettings(app_title="t", cors=CORSConfig(allow_origins=["*"])),
    }
    with pytest.warns(UserWarning, match="does not deploy pipelines as HTTP services"):
        served = pipeline(settings=settings, enable_cache=False)(_gated_pipeline.func)
    assert served().steps["_gated"].output.load() == 10


@step(enable_cache=False)
def _default_named_with_config() -> Annotated[int, ArtifactConfig(tags=["t"])]:
    return 1


@pipeline(enable_cache=False)
def _config_only_pipeline() -> None:
    _default_named_with_config()


def test_an_output_that_keeps_its_default_name_has_no_custom_name(home):
    """An ArtifactConfig without name= keeps ZenML's default name (and makes dagwell record
    the version for its tags): not a custom name. Corpus piece 54 is the named case."""
    _config_only_pipeline()
    artifact = Client().get_artifact("_config_only_pipeline::_default_named_with_config::output")
    assert artifact.has_custom_name is False


def test_a_failed_run_is_the_runtime_error_zenmls_local_orchestrator_raises(home):
    """ZenML code catches a failed pipeline call with ``except RuntimeError``. Before:
    RunFailedError was no RuntimeError, so that clause let it through."""
    try:
        _gated_pipeline(fail=True)
    except RuntimeError as error:
        assert isinstance(error, RunFailedError) and error.run.status.value == "failed"
    else:
        raise AssertionError("the failed run did not raise")


@pytest.mark.parametrize(
    "unset",
    [
        {"experiment_tracker": None},
        {"experiment_tracker": False},
        {"step_operator": None},
        {"on_init": None},
        {"secrets": []},
        {"environment": {}},
    ],
)
def test_a_zenml_option_for_a_feature_dagwell_lacks_may_be_left_unset(home, unset):
    """Community code passes ``experiment_tracker=tracker.name if tracker else None`` with
    the stack's tracker, None on a default stack (and ZenML's own default for each option
    is None). Before: every such option was refused, even when it asked for nothing."""

    def one() -> int:
        return 1

    one_step = step(**unset)(one)

    def unset_pipeline() -> None:
        one_step()

    pipeline_options = {
        k: v for k, v in unset.items() if k not in {"experiment_tracker", "step_operator"}
    }
    run = pipeline(**pipeline_options, enable_cache=False)(unset_pipeline)()
    assert run.status.value == "completed"


@pytest.mark.parametrize(
    ("option", "value"), [("experiment_tracker", "mlflow"), ("on_init", print), ("secrets", ["s"])]
)
def test_a_zenml_option_for_a_feature_dagwell_lacks_is_still_refused_when_set(option, value):
    def one() -> int:
        return 1

    with pytest.raises(DefinitionError, match=f"{option}= is not supported"):
        step(**{option: value})(one)


def test_zenmls_integration_materializers_stand_for_dagwells_formats(home):
    """``zenml.integrations.{sklearn,pandas,numpy}`` materializers, as community code names
    them in output_materializers= and save_artifact(materializer=). Before: their import
    failed saying to drop it."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    from dagwell.integrations.numpy.materializers import NumpyMaterializer
    from dagwell.integrations.pandas.materializers.pandas_materializer import (
        PandasMaterializer,
    )
    from dagwell.integrations.sklearn.materializers.sklearn_materializer import (
        SklearnMaterializer,
    )

    model = LinearRegression().fit([[0.0], [1.0]], [0.0, 2.0])
    save_artifact(model, name="regressor", materializer=SklearnMaterializer)
    save_artifact(pd.Series([1, 2], name="s"), name="series", materializer=PandasMaterializer)
    save_artifact(np.arange(3), name="arange", materializer=NumpyMaterializer)
    regressor = Client().get_artifact_version("regressor")
    assert str(regressor.type) == "ModelArtifact"
    assert regressor.load().predict([[2.0]])[0] == pytest.approx(4.0)
    assert Client().get_artifact_version("series").load().name == "s"
    assert load_artifact("arange").tolist() == [0, 1, 2]


@step(enable_cache=False)
def _asks_for_a_missing_output() -> int:
    from dagwell import get_step_context
    from dagwell.exceptions import StepContextError

    try:
        get_step_context().add_output_metadata({"a": 1}, output_name="nope")
    except StepContextError as error:
        return len(str(error))
    return 0


def test_zenml_exceptions_are_the_errors_dagwell_raises(home):
    """Before: ModuleNotFoundError: No module named 'dagwell.exceptions', so ZenML code
    that caught StepContextError, ZenKeyError or StepInterfaceError did not import."""
    from dagwell.client import Client
    from dagwell.errors import DagwellError
    from dagwell.exceptions import StepInterfaceError, ZenKeyError, ZenMLBaseException

    @pipeline
    def asks() -> None:
        _asks_for_a_missing_output()

    assert asks().steps["_asks_for_a_missing_output"].output.load() > 0
    with pytest.raises(ZenKeyError):
        Client().get_pipeline("never-ran")
    assert issubclass(StepInterfaceError, ZenMLBaseException)
    assert ZenMLBaseException is DagwellError


def test_zenml_schedules_without_a_cron_expression_name_the_one_to_use():
    """Before: TypeError "unexpected keyword argument 'interval_second'"."""
    from datetime import UTC, datetime, timedelta

    from dagwell.config import Schedule
    from dagwell.errors import ConfigError

    start = datetime(2027, 1, 1, tzinfo=UTC)  # (aware: no warning)
    with pytest.raises(ConfigError, match=r"cron_expression='\*/5 \* \* \* \*'"):
        Schedule(start_time=start, interval_second=timedelta(minutes=5))
    with pytest.raises(ConfigError, match="echo 'dagwell run pipeline.py' | at"):
        Schedule(run_once_start_time=start)
    with pytest.raises(ConfigError, match="needs cron_expression="):
        Schedule()
    with pytest.warns(UserWarning, match="only the cron expression is used"):
        both = Schedule(cron_expression="0 3 * * *", interval_second=60.0)
    assert both.interval_second is None


@pytest.mark.parametrize(
    ("interval", "cron"),
    [
        ("900", r"'\*/15 \* \* \* \*'"),  # a YAML string: before, misreported as an unknown field
        (3600, r"'0 \* \* \* \*' \(every hour"),  # before: suggested */15
        (7200, r"'0 \*/2 \* \* \*'"),
        (86400, r"'0 0 \* \* \*' \(daily"),
        ("15m", r"e.g. '\*/15"),  # before: ValueError from int()
    ],
)
def test_an_interval_schedule_names_the_cron_expression_for_that_interval(interval, cron):
    from dagwell.api.pipeline_config import _schedule
    from dagwell.errors import ConfigError

    with pytest.raises(ConfigError, match=cron):
        _schedule({"interval_second": interval})


def test_a_yaml_schedule_with_an_unknown_field_names_it():
    from dagwell.api.pipeline_config import _schedule
    from dagwell.errors import DefinitionError

    with pytest.raises(DefinitionError, match="every is not a Schedule field; it has cron_"):
        _schedule({"cron_expression": "0 3 * * *", "every": 5})


def test_a_schedules_naive_time_is_local_time_as_in_zenml(monkeypatch):
    """ZenML 0.98 (zenml/config/schedule.py, _ensure_timezone) reads a naive datetime in
    the local time zone and warns. Before: dagwell read it as UTC, an hour off in Berlin."""
    import time
    from datetime import datetime, timedelta

    from dagwell.config import Schedule

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        with pytest.warns(UserWarning, match="no time zone"):
            schedule = Schedule(cron_expression="0 3 * * *", start_time=datetime(2027, 1, 1, 12))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert schedule.start_time is not None
    assert schedule.start_time.utcoffset() == timedelta(hours=1)


def test_a_run_configuration_may_carry_the_schedule(tmp_path):
    """ZenML's run configuration has a schedule: section. Before: refused ('a Schedule is
    given in code')."""
    from dagwell.config import Schedule
    from dagwell.errors import DefinitionError

    config = tmp_path / "run.yaml"
    config.write_text("schedule:\n  cron_expression: '*/10 * * * *'\n  name: nightly\n")

    @pipeline
    def scheduled() -> None:
        _independent(1)

    given = scheduled.with_options(config_path=str(config))
    assert given.schedule == Schedule(cron_expression="*/10 * * * *", name="nightly")
    config.write_text("schedule:\n  every: 5\n")
    with pytest.raises(DefinitionError, match="every is not a Schedule field"):
        scheduled.with_options(config_path=str(config))


class _Thing:
    def __init__(self, name: str) -> None:
        self.name = name


class _ThingMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = [_Thing]  # a list, as many ZenML materializers write it

    def load(self, data_type: Any) -> _Thing:
        super().load(data_type)  # ZenML's base load reads nothing
        with fileio.open(os.path.join(self.uri, "thing.json"), "r") as f:
            return _Thing(json.load(f)["name"])

    def save(self, data: _Thing) -> None:
        super().save(data)  # ZenML's base save writes nothing
        with fileio.open(os.path.join(self.uri, "thing.json"), "w") as f:
            json.dump({"name": data.name}, f)


@step
def _make_thing() -> _Thing:
    return _Thing("foo")


def test_a_materializer_may_call_the_base_class_and_list_its_types(home):
    """Before: NotImplementedError from super().save(), and DefinitionError for a list of
    ASSOCIATED_TYPES (ZenML 0.98: base save/load are no-ops, any iterable of classes)."""

    @pipeline(enable_cache=False)
    def things() -> None:
        _make_thing()

    assert things().steps["_make_thing"].output.load().name == "foo"


def test_statuses_answer_zenmls_helpers_and_no_runs_is_a_runtime_error(home):
    """Before: AttributeError for is_finished/is_failed on run and step statuses, and
    last_successful_run raised KeyError where ZenML code catches RuntimeError."""
    from dagwell.client import Client
    from dagwell.enums import ExecutionStatus

    @pipeline(enable_cache=False)
    def failing() -> None:
        _fails()

    with pytest.raises(RunFailedError) as failed:
        failing()
    run = failed.value.run
    assert run.status.is_finished and run.status.is_failed and not run.status.is_successful
    assert run.steps["_fails"].status.is_failed
    assert ExecutionStatus.COMPLETED.is_successful and ExecutionStatus.CANCELLED.is_failed
    with pytest.raises(RuntimeError, match="no completed runs"):
        _ = Client().get_pipeline("failing").last_successful_run


def test_save_artifact_refuses_unknown_keywords():
    """Before: user_metdata= (a typo) was silently dropped."""
    from dagwell import save_artifact

    with pytest.raises(TypeError, match="user_metdata"):
        save_artifact(1, name="x", user_metdata={"a": 1})
    with pytest.raises(TypeError, match="artifact_type=ArtifactType.MODEL"):
        save_artifact(1, name="x", is_model_artifact=True)


@step(enable_cache=False)
def _model_version_seen() -> str:
    from dagwell import get_step_context

    return str(get_step_context().model.version)


def test_a_models_version_fills_in_placeholders(home):
    """ZenML formats a Model's name and version with {date}, {time} and the run's
    substitutions. Before: a version literally named 'exp_{who}_{date}'."""
    from dagwell.client import Client

    @pipeline(
        model=Model(name="m_{who}", version="exp_{who}_{date}"),
        substitutions={"who": "alice"},
        enable_cache=False,
    )
    def placeholders() -> None:
        _model_version_seen()

    seen = placeholders().steps["_model_version_seen"].output.load()
    assert seen.startswith("exp_alice_20") and "{" not in seen
    assert [v.name for v in Client().list_model_versions("m_alice")] == [seen]


def test_a_models_version_and_the_run_name_share_the_runs_moment(home, monkeypatch):
    """ZenML fills {date}/{time} from the run's start for both. Before: the model version
    took its own clock reading during tracing, so the two could differ (here the clock
    is made to jump between tracing and the start of the run)."""
    import datetime as real

    from dagwell.engine import runner

    class Jumped(real.datetime):
        @classmethod
        def now(cls, tz: real.tzinfo | None = None) -> Jumped:
            return cls(2001, 2, 3, 4, 5, 6)

    monkeypatch.setattr(runner, "datetime", Jumped)

    @pipeline(
        model=Model(name="m_moment", version="v_{date}_{time}"),
        run_name="r_{date}_{time}",
        enable_cache=False,
    )
    def moment() -> None:
        _model_version_seen()

    run = moment()
    assert run.name.removeprefix("r_") == run.steps["_model_version_seen"].output.load()[2:]


def test_a_pydantic_parameter_is_recorded_as_its_fields(home):
    """ZenML records a pydantic model passed to a step as a parameter (its model_dump).
    Before: missing from the step's parameters; the run's was its repr()."""
    from pydantic import BaseModel

    class TrainConfig(BaseModel):
        lr: float = 0.1
        epochs: int = 3

    @step(enable_cache=False)
    def train(config: TrainConfig) -> float:
        return config.lr * config.epochs

    @step(enable_cache=False)
    def seen(config: TrainConfig, n: int) -> dict[str, Any]:
        return dict(get_step_context().step_run.config.parameters)

    @pipeline(enable_cache=False)
    def training(config: TrainConfig = TrainConfig()) -> None:  # noqa: B008 (ZenML's shape)
        train(config=config)
        seen(config, 2)

    run = training(config=TrainConfig(lr=0.5))
    assert run.steps["train"].config.parameters["config"] == {"lr": 0.5, "epochs": 3}
    # inside the step too, and it is a parameter, not an input artifact (before: the step
    # saw only {"n": 2}, and step.inputs listed "config")
    assert run.steps["seen"].output.load() == {"config": {"lr": 0.5, "epochs": 3}, "n": 2}
    assert run.steps["train"].inputs == {}
    assert run.config.parameters["config"] == {"lr": 0.5, "epochs": 3}
    assert run.steps["train"].output.load() == 1.5


def test_a_run_leaves_no_file_unclosed(home):
    """Before: ResourceWarning: unclosed file '/proc/sys/kernel/random/boot_id'."""
    import gc
    import warnings

    @pipeline(enable_cache=False)
    def quick() -> None:
        _independent(1)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quick()
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_get_run_url_links_to_the_dashboard_when_told_where(home, monkeypatch):
    from dagwell.utils.dashboard_utils import get_run_url

    @pipeline(enable_cache=False)
    def linked() -> None:
        _independent(1)

    run = linked()
    assert get_run_url(run) is None  # as ZenML answers without a dashboard server
    monkeypatch.setenv("DAGWELL_UI_URL", "http://127.0.0.1:8237/")
    assert get_run_url(run) == f"http://127.0.0.1:8237/runs/{run.id}"


@pytest.mark.parametrize("option", ["on_pause", "enable_heartbeat"])
def test_zenml_options_dagwell_lacks_are_named(option):
    """Before: a generic 'Unknown option' for ZenML 0.98's on_pause= hook (on_start= and
    on_end= now run, see test_a_failing_init_hook_fails_the_step...)."""
    from dagwell.errors import DefinitionError

    value = True if option == "enable_heartbeat" else (lambda: None)
    with pytest.raises(DefinitionError, match=f"{option}= is not supported"):

        @step(**{option: value})
        def hooked() -> None:
            pass

    with pytest.raises(DefinitionError, match=option):

        @pipeline(**{option: value})
        def hooked_pipeline() -> None:
            pass


def test_zenml_dynamic_pipelines_are_refused_with_what_to_do_instead():
    """Before: "Unknown option dynamic=" and a bare AttributeError for step.map."""
    from dagwell.errors import DefinitionError

    with pytest.raises(DefinitionError, match="dynamic pipelines"):

        @pipeline(dynamic=True)
        def dynamic() -> None:
            pass

    with pytest.raises(AttributeError, match=r"_independent.map\(\): .*list of step outputs"):
        _ = _independent.map


def test_a_missing_dagwell_module_outside_zenmls_names_is_simply_not_found():
    """Before: importlib.util.find_spec("dagwell.nope") raised ZenMLModuleMissing, so code
    probing for an optional module (find_spec is None) broke on import of dagwell."""
    import importlib.util

    from dagwell._zenml_names import ZenMLModuleMissing

    assert importlib.util.find_spec("dagwell.nope") is None
    with pytest.raises(ModuleNotFoundError) as missing:
        __import__("dagwell.nope")
    assert not isinstance(missing.value, ZenMLModuleMissing)
    with pytest.raises(ZenMLModuleMissing, match="dagwell builds no images"):
        importlib.util.find_spec("dagwell.utils.docker_utils")


@pytest.mark.parametrize(
    ("methods", "says"),
    [
        ((), "does not define save\\(\\) or load\\(\\), so it stores nothing and loads every"),
        (("save",), "does not define load\\(\\), so it loads every value back as None"),
        (("load",), "does not define save\\(\\), so it stores nothing"),
    ],
)
def test_a_materializer_without_save_or_load_is_warned_about(methods, says):
    """Before: silently accepted; every value came back as None (the base class's no-ops,
    kept so a subclass may call super())."""
    body: dict[str, Any] = {"ASSOCIATED_TYPES": (_Reading,), "SKIP_REGISTRATION": True}
    body.update({m: lambda self, arg: None for m in methods})
    with pytest.warns(UserWarning, match=says):
        type("Half", (BaseMaterializer,), body)


def test_a_materializer_base_class_without_types_is_not_warned_about():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        type("Abstract", (BaseMaterializer,), {"SKIP_REGISTRATION": True})


def test_zenml_io_utils_copy_a_folder_and_find_its_files(tmp_path):
    """zenml-projects' materializers call io_utils.copy_dir (ten times). Before: refused."""
    from dagwell.utils import io_utils

    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "a.png").write_text("a")
    (source / "sub" / "b.png").write_text("b")
    (source / "sub" / "c.txt").write_text("c")
    io_utils.copy_dir(str(source), str(tmp_path / "dst"))
    assert (tmp_path / "dst" / "sub" / "b.png").read_text() == "b"
    with pytest.raises(FileExistsError):
        io_utils.copy_dir(str(source), str(tmp_path / "dst"))
    io_utils.copy_dir(str(source), str(tmp_path / "dst"), overwrite=True)
    found = sorted(
        os.path.relpath(p, tmp_path) for p in io_utils.find_files(str(tmp_path), "*.png")
    )
    assert found == ["dst/a.png", "dst/sub/b.png", "src/a.png", "src/sub/b.png"]
    io_utils.create_file_if_not_exists(str(tmp_path / "new" / "f.json"))
    assert io_utils.read_file_contents_as_string(str(tmp_path / "new" / "f.json")) == "{}"
    assert io_utils.is_remote("s3://b/k") and not io_utils.is_remote(str(tmp_path))
    assert not io_utils.is_path_within_directory("../x", str(tmp_path))


def test_zenml_cleanup_gpu_memory_needs_force_and_skips_without_torch(capsys):
    from dagwell.utils.cuda_utils import cleanup_gpu_memory

    cleanup_gpu_memory()
    assert "explicitly pass `force=True`" in capsys.readouterr().err
    cleanup_gpu_memory(force=True)  # (no torch here: a warning, no error)
    assert "No PyTorch installed" in capsys.readouterr().err


def test_a_submodule_imports_from_its_package_and_a_missing_one_says_why():
    """Before: `from dagwell.integrations import kubernetes` raised ZenMLNameMissing although
    the module exists, and `from dagwell.utils import docker_utils` gave a bare "cannot
    import name" instead of what to do."""
    from dagwell._zenml_names import ZenMLModuleMissing

    exec("from dagwell.integrations import kubernetes")
    with pytest.raises(ZenMLModuleMissing, match="dagwell builds no images"):
        exec("from dagwell.utils import docker_utils")


@step(enable_cache=False)
def raises_a_group() -> None:
    raise ExceptionGroup("two problems", [ValueError("one"), KeyError("two")])


def test_a_fail_fast_run_whose_step_raised_a_built_in_that_cannot_be_mixed_in_still_raises(home):
    """ExceptionGroup is a built-in Exception, but it cannot be made with a message alone:
    mixing it into the RunFailedError raised a TypeError from the pipeline call instead."""
    from dagwell.enums import ExecutionMode

    @pipeline(execution_mode=ExecutionMode.FAIL_FAST)
    def grouped() -> None:
        raises_a_group()

    with pytest.raises(RunFailedError) as caught:
        grouped()
    assert caught.value.run.steps["raises_a_group"].status.value == "failed"


class UsersOwnError(Exception):
    """A step's exception of the user's own class (ZenML's FAIL_FAST re-raises it)."""


class Outer:
    class NestedError(Exception):
        pass


@step(enable_cache=False)
def raises_users_own(which: str) -> None:
    if which == "module":
        raise UsersOwnError("boom\nUsersOwnError: a line of the message")
    if which == "nested":
        raise Outer.NestedError("nested")

    class LocalError(Exception):
        pass

    raise LocalError("local")


@pytest.mark.parametrize(
    ("mode", "which", "expected"),
    [
        ("FAIL_FAST", "module", UsersOwnError),
        ("FAIL_FAST", "nested", Outer.NestedError),
        ("FAIL_FAST", "local", None),  # (a class made inside the step: nothing to catch here)
        ("STOP_ON_FAILURE", "module", None),
    ],
)
def test_fail_fast_raises_a_steps_exception_of_the_users_own_class(home, mode, which, expected):
    """ZenML 0.98's FAIL_FAST raises the failed step's own exception (measured: `except
    MyError` around the call catches a step's MyError); dagwell's was a RunFailedError
    only, unless the class was a built-in. Now a class of a module already imported
    (here this test module) is mixed in; the other modes raise RuntimeError, as ZenML."""
    from dagwell.enums import ExecutionMode

    @pipeline(execution_mode=getattr(ExecutionMode, mode))
    def raising() -> None:
        raises_users_own(which)

    with pytest.raises(RunFailedError) as caught:
        raising()
    assert isinstance(caught.value, RuntimeError)
    if expected is None:
        assert not isinstance(caught.value, UsersOwnError | Outer.NestedError)
    else:
        assert isinstance(caught.value, expected)
    assert caught.value.run.steps["raises_users_own"].status.value == "failed"


class CarriesWhatFailed(Exception):
    """Its __init__ takes more than a message and keeps what a caller reads back."""

    def __init__(self, code: int, big: bytes) -> None:
        super().__init__(f"code {code}")
        self.code = code
        self.big = big  # larger than a manifest carries: stays behind
        self.lock = threading.Lock()  # does not pickle: stays behind


@step(enable_cache=False)
def raises_with_attributes() -> None:
    raise CarriesWhatFailed(418, b"x" * (1 << 20))


def test_fail_fast_error_keeps_the_attributes_the_steps_exception_set(home):
    """ZenML's FAIL_FAST raises the step's exception object, so `error.code` reads what
    its __init__ set; dagwell's error was of the class but without them (AttributeError).
    Attributes that do not pickle, or are too large to carry, stay behind; other modes
    keep a plain RunFailedError."""
    from dagwell.enums import ExecutionMode

    @pipeline(execution_mode=ExecutionMode.FAIL_FAST)
    def failing() -> None:
        raises_with_attributes()

    with pytest.raises(CarriesWhatFailed) as caught:
        failing()
    assert caught.value.code == 418 and type(caught.value).__name__ == "CarriesWhatFailed"
    assert not hasattr(caught.value, "big") and not hasattr(caught.value, "lock")
    assert isinstance(caught.value, RunFailedError) and caught.value.run.status.value == "failed"
    with pytest.raises(RunFailedError) as plain:
        failing.with_options(execution_mode=ExecutionMode.STOP_ON_FAILURE)()
    assert not isinstance(plain.value, CarriesWhatFailed)


def _init_that_fails() -> None:
    raise ConnectionError("the database is down")


def _start_that_fails() -> None:
    raise RuntimeError("a start hook's own bug")


@step(enable_cache=False)
def _never_reached() -> int:
    return 1


@step(enable_cache=False, on_start=_start_that_fails)
def _starts_badly() -> int:
    return 2


def test_a_failing_init_hook_fails_the_step_and_a_failing_start_hook_does_not(home):
    """As ZenML 0.98's step runner: on_init raising fails the step with a
    HookExecutionException naming the pipeline; on_start/on_end errors are logged only.
    Before: on_init=/on_start= were refused (DefinitionError)."""
    from dagwell.exceptions import HookExecutionException

    @pipeline(on_init=_init_that_fails)
    def initialised() -> None:
        _never_reached()

    with pytest.raises(RunFailedError) as failed:
        initialised()
    failure = failed.value.run.steps["_never_reached"].attempts[-1].failure
    assert failure.reason == HookExecutionException.__name__
    assert "init hook for pipeline initialised" in failure.message
    assert "the database is down" in failure.message

    @pipeline
    def started_badly() -> None:
        _starts_badly()

    assert started_badly().steps["_starts_badly"].output.load() == 2
