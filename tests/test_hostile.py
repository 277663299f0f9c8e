"""Hostile use (issue 11): odd values, names, signals, corrupt artifacts, hooks, store
outages. Each test replays a reproduction that misbehaved before its fix."""

from __future__ import annotations

import math

import pytest

from dagwell import LocalOrchestrator, StepRetryConfig, pipeline, step
from dagwell.core.errors import ConfigError, DefinitionError
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import StepStatus
from helpers import outcome


def _value(step_run):
    """A step's only output value (``.output`` is becoming ZenML's artifact shape)."""
    output = step_run.output
    return output.load() if hasattr(output, "load") else output()


# -- 14: bad values are refused when written ----------------------------------------------
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1, 0, "3"])
def test_a_timeout_that_could_never_fire_is_refused_at_definition(bad):
    with pytest.raises(DefinitionError, match="timeout"):

        @step(timeout=bad)
        def s() -> None: ...


@pytest.mark.parametrize("bad", [float("nan"), -1, 0, math.inf])
def test_a_queue_timeout_that_fails_or_never_fires_is_refused(bad):
    with pytest.raises(ConfigError, match="queue_timeout"):
        LocalOrchestrator(queue_timeout=bad)


@pytest.mark.parametrize("field", ["delay", "max_delay", "jitter", "backoff"])
def test_non_finite_retry_numbers_are_refused(field):
    with pytest.raises(ConfigError, match=field):
        StepRetryConfig(**{field: float("nan")})
    with pytest.raises(ConfigError, match=field):
        StepRetryConfig(**{field: float("inf")})


def test_a_node_larger_than_the_machine_is_refused_unless_forced(monkeypatch):
    with pytest.raises(ConfigError, match="more than this machine.*allow_overcommit"):
        LocalOrchestrator(memory="100TB")
    assert LocalOrchestrator(memory="100TB", allow_overcommit=True).node_memory() == 10**14
    monkeypatch.setenv("DAGWELL_LOCAL_MEMORY", "100TB")
    with pytest.raises(ConfigError, match="DAGWELL_LOCAL_MEMORY"):
        LocalOrchestrator().node_memory()


# -- 12: dict keys keep their types ----------------------------------------------------------
@step(enable_cache=True)
def key_types(table: dict) -> str:
    return ",".join(f"{type(k).__name__}:{k}" for k in table)


def test_dict_keys_in_parameters_keep_their_types_and_cache_entries(home):
    @pipeline
    def p(table: dict) -> None:
        key_types(table)

    ints = p({1: "a"})
    strs = p({"1": "a"})
    assert _value(ints.steps["key_types"]) == "int:1"
    assert _value(strs.steps["key_types"]) == "str:1"
    assert strs.steps["key_types"].status is StepStatus.COMPLETED  # not a cache hit of {1: 'a'}


# -- 11: an input whose loading raises -------------------------------------------------------
def _refuse_to_load() -> None:
    raise ValueError("this value refuses to be unpickled")


class Bomb:
    def __reduce__(self):
        return (_refuse_to_load, ())


@step(enable_cache=False)
def takes(value: object) -> None: ...


def test_an_input_that_raises_while_loading_is_reported_and_not_retried(home):
    @pipeline(enable_cache=False)
    def p() -> None:
        takes.with_options(retry=StepRetryConfig(max_retries=2))(Bomb())

    run = outcome(p)
    attempts = run.steps["takes"].attempts
    assert len(attempts) == 1, [a.failure for a in attempts]
    failure = attempts[0].failure
    assert failure.kind is FailureKind.CONFIG_ERROR
    assert "ValueError" in failure.message and "refuses to be unpickled" in failure.message
    assert "loading input 'value'" in failure.message
    assert "os._exit" not in failure.message
