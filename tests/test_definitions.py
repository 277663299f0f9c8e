"""Bad input gets a clear error when the step or pipeline is defined, naming the fix."""

import pytest

from dagwell import ResourceSettings, StepRetryConfig, pipeline, step
from dagwell.core.errors import ConfigError, DefinitionError


def test_step_outside_pipeline_runs_the_function():
    @step
    def add(a: int, b: int) -> int:
        return a + b

    assert add(2, 3) == 5


def test_pipeline_only_arguments_outside_a_pipeline():
    @step
    def s() -> None: ...

    with pytest.raises(
        DefinitionError, match="only mean something when step 's' is called inside a @pipeline"
    ):
        s(id="x")
    with pytest.raises(DefinitionError, match="after="):
        s(after="y")


@pytest.mark.parametrize("bad", [42, "text", print, lambda: 1])
def test_non_function_used_as_a_step(bad):
    with pytest.raises(DefinitionError, match="@step"):
        step(bad)


def test_step_applied_twice_and_generators():
    @step
    def s() -> None: ...

    with pytest.raises(DefinitionError, match="already a step"):
        step(s)

    def gen():
        yield 1

    with pytest.raises(DefinitionError, match="generator"):
        step(gen)


@pytest.mark.parametrize("memory", ["4GBB", "-1Gi", "lots"])
def test_bad_memory_string_at_decoration_time(memory):
    with pytest.raises(ConfigError, match="Invalid ResourceSettings: memory"):

        @step(resources=ResourceSettings(memory=memory))
        def s() -> None: ...

    with pytest.raises(ConfigError, match="'400MB'"):
        step(settings={"resources": {"memory": memory}})(lambda_free)


def lambda_free() -> None: ...


def test_unknown_settings_key_lists_known_ones():
    with pytest.raises(DefinitionError, match="Unknown settings key 'resourcez'.*resources"):

        @step(settings={"resourcez": ResourceSettings(memory="1GB")})
        def s() -> None: ...


def test_settings_of_a_zenml_stack_component_dagwell_lacks_are_dropped_with_a_notice():
    """ZenML drops settings for a stack component not in the active stack (real projects
    carry "step_operator.vertex", "experiment_tracker.mlflow"...). Before: DefinitionError."""
    with pytest.warns(UserWarning, match="Not including stack component settings with key "):

        @step(settings={"experiment_tracker.mlflow_x": {"experiment_name": "x"}})
        def tracked() -> None: ...

    with pytest.raises(DefinitionError, match="Unknown settings key 'experiment_trackers'"):

        @step(settings={"experiment_trackers": {}})
        def typo() -> None: ...


def test_settings_for_the_stacks_component_of_a_type_are_dropped_too():
    """ZenML's key may name a type alone, for the stack's component of that type (its own
    docstrings write settings={"step_operator": {...}}). Before: DefinitionError."""
    with pytest.warns(UserWarning, match="Not including stack component settings with key "):

        @step(settings={"step_operator": {"gpu_portion_request": 0.5}})
        def on_gpu() -> None: ...

    with pytest.raises(DefinitionError, match="known keys: .*orchestrator.kubernetes"):

        @step(settings={"orchestrator": {}})  # (dagwell's one component: named, not dropped)
        def orchestrated() -> None: ...


def test_unknown_resource_field():
    with pytest.raises(ConfigError, match="unknown field 'memroy'.*cpu_count, gpu_count, memory"):
        ResourceSettings(memroy="1GB")


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_retries", -1), ("delay", -0.5), ("backoff", -2), ("jitter", -1), ("max_delay", -3)],
)
def test_retry_config_with_negative_numbers(field, value):
    with pytest.raises(ConfigError, match=f"Invalid StepRetryConfig: {field}="):
        StepRetryConfig(**{field: value})


def test_retry_config_kinds_and_memory():
    with pytest.raises(ConfigError, match="never retried"):
        StepRetryConfig(retry_on=["config_error"])
    with pytest.raises(ConfigError, match="unknown failure kind 'oom'"):
        StepRetryConfig(retry_on=["oom"])
    with pytest.raises(ConfigError, match="memory_factor"):
        StepRetryConfig(memory_factor=0.5)
    with pytest.raises(ConfigError, match="only applies with memory_factor"):
        StepRetryConfig(max_memory="1GB")
    ok = StepRetryConfig(max_retries=3, retry_on="oom_killed", memory_factor=2, max_memory="2Gi")
    assert ok.retries_on("oom_killed") and not ok.retries_on("user_error")
    assert ok.max_memory_bytes == 2 * 2**30


def test_unknown_and_unsupported_step_options():
    with pytest.raises(DefinitionError, match="Unknown option retries="):
        step(retries=3)(lambda_free)
    with pytest.raises(DefinitionError, match="experiment_tracker= is not supported"):
        step(experiment_tracker="mlflow")(lambda_free)
    with pytest.warns(UserWarning, match="enable_step_logs= has no effect"):
        step(enable_step_logs=False)(lambda_free)


def test_bad_timeout_and_hooks():
    with pytest.raises(DefinitionError, match="timeout="):
        step(timeout=-1)(lambda_free)
    with pytest.raises(DefinitionError, match="on_failure='page me' of step .* names no function"):
        step(on_failure="page me")(lambda_free)  # (a string is a hook's source, as in ZenML)
    with pytest.raises(DefinitionError, match="on_failure= of step .* must be a callable"):
        step(on_failure=3)(lambda_free)
    with pytest.raises(DefinitionError, match="takes 2 arguments"):
        step(on_success=lambda a, b: None)(lambda_free)


def test_both_resources_spellings_at_once_is_an_error():
    with pytest.raises(DefinitionError, match="resources twice"):
        step(
            resources=ResourceSettings(memory="1GB"),
            settings={"resources": ResourceSettings(memory="2GB")},
        )(lambda_free)


def test_pipeline_options():
    with pytest.raises(DefinitionError, match="on_failure='explode'"):
        pipeline(on_failure="explode")(lambda_free)
    with pytest.raises(DefinitionError, match="infra_retries"):
        pipeline(infra_retries=-1)(lambda_free)
    with pytest.raises(DefinitionError, match="Unknown option timetable="):
        pipeline(timetable="daily")(lambda_free)
    with pytest.raises(DefinitionError, match="must be a dagwell Schedule"):
        pipeline(schedule="daily")(lambda_free)
    with pytest.raises(DefinitionError, match="@pipeline decorates a function"):
        pipeline(3)
