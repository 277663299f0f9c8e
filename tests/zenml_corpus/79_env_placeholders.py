# ZenML's docs, "Reference environment variables in configurations": "ZenML allows you to
# reference environment variables by using the following placeholder syntax in your
# configuration: ${ENV_VARIABLE_NAME}", in code (@step(extra={"value_from_environment":
# "${ENV_VAR}"})) and in a configuration file (extra, combined_value: prefix_${ENV_VAR}_suffix);
# ZenML fills them in the whole run configuration when the run is compiled (parameters and
# the run name too), and a variable that is not set stops the run. Before: the steps got
# the literal "${ENV_VAR}", and a run_name with one was refused as an unknown {placeholder}.
import os
import tempfile

from dagwell import get_step_context, pipeline, step


@step(extra={"value_from_environment": "${ENV_VAR}"})
def my_step(greeting: str = "hi") -> dict:
    context = get_step_context()
    return {
        "step_extra": context.step_run.config.extra,
        "run_extra": context.pipeline_run.config.extra,
        "greeting": greeting,
    }


@pipeline(enable_cache=False)
def my_pipeline(greeting: str = "hi"):
    my_step(greeting=greeting)


if __name__ == "__main__":
    os.environ["ENV_VAR"] = "hello"
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "config.yaml")
        with open(config, "w") as f:
            f.write(
                "extra:\n"
                "  value_from_environment: ${ENV_VAR}\n"
                "  combined_value: prefix_${ENV_VAR}_suffix\n"
                "parameters:\n"
                "  greeting: ${ENV_VAR} world\n"
                "run_name: nightly_${ENV_VAR}_{time}\n"
            )
        run = my_pipeline.with_options(config_path=config)()
        filled = {"value_from_environment": "hello", "combined_value": "prefix_hello_suffix"}
        assert run.steps["my_step"].output.load() == {
            "step_extra": filled,
            "run_extra": filled,
            "greeting": "hello world",
        }
        assert run.name.startswith("nightly_hello_")
        assert run.config.extra == filled
        assert run.steps["my_step"].config.parameters == {"greeting": "hello world"}

        # in code alone
        plain = my_pipeline()
        assert plain.steps["my_step"].output.load()["step_extra"] == {"value_from_environment": "hello"}

        del os.environ["ENV_VAR"]
        try:
            my_pipeline()
        except (KeyError, ValueError) as error:
            assert "ENV_VAR" in str(error)
        else:
            raise AssertionError("a run with an unset ${ENV_VAR} started")
