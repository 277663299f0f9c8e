# ZenML's own integration tests of run configuration files (tests/integration/functional/
# pipelines/test_pipeline_config.py), as a script (its log-warning patches left out): a
# Model dumped into a YAML `model:` (Model.model_dump()) configures the run as the Model
# itself does, and get_step_context().model has its card fields; a model= given over
# another (configure/with_options, a file's `model:`) changes only the fields it was given,
# as ZenML merges it; parameters from the file, and their conflicts with the call. Before:
# 'Model' object has no attribute 'model_dump', and the step context's Model had no
# description, license, ... (None), a later model= dropping the ones configured before.
from pathlib import Path
import tempfile

import yaml

from dagwell import get_step_context, pipeline, step
from dagwell.client import Client
from dagwell.model.model import Model


@step
def assert_model_step():
    model = get_step_context().model
    assert model is not None
    assert model.name == "foo"
    assert model.version == str(model.number)
    assert model.description == "description"
    assert model.license == "MIT"
    assert model.audience == "audience"
    assert model.use_cases == "use_cases"
    assert model.limitations == "limitations"
    assert model.trade_offs == "trade_offs"
    assert model.ethics == "ethics"
    assert model.tags == ["tag"]
    assert model.save_models_to_registry


@step
def assert_extra_step():
    extra = get_step_context().pipeline_run.config.extra
    assert extra is not None
    assert extra == {"a": 1}


@pipeline(enable_cache=False)
def assert_model_pipeline():
    assert_model_step()


@pipeline(enable_cache=False)
def assert_extra_pipeline():
    assert_extra_step()


def full_model(name="foo"):
    return Model(
        name=name,
        description="description",
        license="MIT",
        audience="audience",
        use_cases="use_cases",
        limitations="limitations",
        trade_offs="trade_offs",
        ethics="ethics",
        tags=["tag"],
        save_models_to_registry=True,
    )


def test_pipeline_with_model_from_yaml(tmp_path):
    model = full_model()
    config_path = tmp_path / "config.yaml"
    file_config = dict(run_name="run_name_in_file", model=model.model_dump())
    config_path.write_text(yaml.dump(file_config))

    assert_model_pipeline.with_options(model=model)()
    assert_model_pipeline.with_options(config_path=str(config_path))()
    assert Client().get_pipeline_run("run_name_in_file").model_version.name == "2"


def test_pipeline_config_from_file_not_overridden_for_extra(tmp_path):
    config_path = tmp_path / "config.yaml"
    file_config = dict(run_name="run_name_in_file_extra", extra={"a": 1})
    config_path.write_text(yaml.dump(file_config))

    p = assert_extra_pipeline.with_options(config_path=str(config_path))
    assert p.configuration.extra == {"a": 1}
    p.configure(extra={"a": 2})
    assert p.configuration.extra == {"a": 2}
    p()  # the file's extra again (the step checks it is {"a": 1}), as ZenML's run does


def test_pipeline_config_from_file_not_overridden_for_model(tmp_path):
    initial_model = Model(name="bar")
    config_path = tmp_path / "config.yaml"
    file_config = dict(run_name="run_name_in_file_bar", model=initial_model.model_dump())
    config_path.write_text(yaml.dump(file_config))

    p = assert_model_pipeline.with_options(config_path=str(config_path))
    assert p.configuration.model.name == "bar"
    p.configure(model=full_model())

    assert p.configuration.model is not None
    assert p.configuration.model.name == "foo"
    assert p.configuration.model.version is None
    assert p.configuration.model.description == "description"
    assert p.configuration.model.license == "MIT"
    assert p.configuration.model.audience == "audience"
    assert p.configuration.model.use_cases == "use_cases"
    assert p.configuration.model.limitations == "limitations"
    assert p.configuration.model.trade_offs == "trade_offs"
    assert p.configuration.model.ethics == "ethics"
    assert p.configuration.model.tags == ["tag"]
    assert p.configuration.model.save_models_to_registry
    # At run time the file's model "bar" is applied again over the one configured after it
    # (with a warning), so the step, which wants "foo", fails.
    try:
        p()
    except Exception:
        pass
    else:
        raise AssertionError("the file's model applies again when the run starts")


@step
def model_fields() -> dict:
    model = get_step_context().model
    return {"version": model.version, "license": model.license, "tags": model.tags}


@pipeline(enable_cache=False)
def model_fields_pipeline():
    model_fields()


def test_model_given_over_another_keeps_its_fields():
    p = model_fields_pipeline.with_options(model=full_model())
    # only the version is given: the description, license, ... configured before stay
    p = p.with_options(model=Model(name="foo", version="pinned"))
    assert p.configuration.model.version == "pinned"
    assert p.configuration.model.license == "MIT"
    run = p()
    assert run.steps["model_fields"].output.load() == {
        "version": "pinned",
        "license": "MIT",
        "tags": ["tag"],
    }
    version = Client().get_model_version("foo", "pinned")
    assert version.description == "description"
    assert [t.name for t in version.tags] == ["tag"]
    # the model was made once, with its card fields; the tags are its versions'
    assert Client().get_model("foo").license == "MIT"
    assert Client().get_model("foo").tags == []


@step
def assert_input_params(bar: str):
    assert bar == "bar"


@step
def assert_input_params_with_defaults(
    bar: str,
    foo: str = "some default value",
    this_will_be_default: str = "bar",
):
    assert bar == "bar"
    assert foo == "bar"
    assert this_will_be_default == "bar"


def test_pipeline_config_from_file_works_with_pipeline_parameters(tmp_path):
    config_path = tmp_path / "config.yaml"
    file_config = dict(parameters={"foo": "bar"}, enable_cache=False)
    config_path.write_text(yaml.dump(file_config))

    @pipeline(enable_cache=True)
    def assert_input_params_pipe(foo: str):
        assert_input_params(foo)

    p = assert_input_params_pipe.with_options(config_path=str(config_path))
    assert p.configuration.parameters == {"foo": "bar"}
    assert not p.configuration.enable_cache
    p()


def test_pipeline_config_from_file_works_with_pipeline_parameters_on_conflict_with_default_parameters(
    tmp_path,
):
    config_path = tmp_path / "config.yaml"
    file_config = {
        "steps": {
            "assert_input_params_with_defaults": {"parameters": {"foo": "bar", "bar": "bar"}}
        },
        "enable_cache": False,
    }
    config_path.write_text(yaml.dump(file_config))

    @pipeline(enable_cache=False)
    def assert_input_params_pipe():
        assert_input_params_with_defaults()

    p = assert_input_params_pipe.with_options(config_path=str(config_path))
    p()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        for test in (
            test_pipeline_with_model_from_yaml,
            test_pipeline_config_from_file_not_overridden_for_extra,
            test_pipeline_config_from_file_not_overridden_for_model,
            test_pipeline_config_from_file_works_with_pipeline_parameters,
            test_pipeline_config_from_file_works_with_pipeline_parameters_on_conflict_with_default_parameters,
        ):
            folder = Path(tmp) / test.__name__
            folder.mkdir()
            test(folder)
        test_model_given_over_another_keeps_its_fields()
