"""ZenML 0.98 shapes that a finished run, a model version and an input artifact show.

Written from ZenML 0.98's source: zenml/config/compiler.py and step_configurations.py
(``run.config`` is the pipeline's configuration, ``enable_cache`` None unless set;
``step.config`` the step's own ``enable_cache`` and its settings over the pipeline's),
zenml/models/v2/core/model_version.py (``get_model_artifact``/``get_data_artifact`` by
artifact type), zenml/artifacts/unmaterialized_artifact.py and zenml/utils/tag_utils.py.
"""

from __future__ import annotations

from dagwell import Client, ResourceSettings, pipeline, step


@step(enable_cache=True, settings={"resources": ResourceSettings(cpu_count=1)})
def _configured(x: int) -> int:
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
