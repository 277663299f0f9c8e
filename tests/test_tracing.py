"""Tracing a pipeline function into a plan: ids, edges, after=, parameters, errors."""

from typing import Annotated

import pytest

from dagwell import ResourceSettings, StepRetryConfig, pipeline, step
from dagwell.core.errors import DefinitionError
from dagwell.core.retry import NO_RETRY


@step
def wait() -> None: ...


@step
def load() -> int:
    return 1


@step
def train(data: int, lr: float = 0.1) -> Annotated[float, "model"]:
    return data * lr


@step
def split() -> tuple[Annotated[int, "train"], Annotated[int, "test"]]:
    return 1, 2


@step
def pair() -> tuple[int, str]:
    return 1, "a"


def test_repeated_calls_get_numbered_ids():
    @pipeline(enable_cache=False)
    def p():
        for _ in range(10):
            wait()

    plan = p.trace().plan
    assert list(plan.steps) == ["wait"] + [f"wait_{i}" for i in range(2, 11)]
    assert all(not s.enable_cache for s in plan.steps.values())


def test_outputs_become_edges_and_params_are_recorded():
    @pipeline
    def p(lr: float = 0.5):
        data = load()
        train(data, lr=lr)
        a, b = split()
        train(a, id="train_a")
        train(b, after="train_a")

    plan = p.trace(lr=0.25).plan
    assert plan.params == {"lr": 0.25}
    assert plan.steps["train"].upstream == ("load",)
    assert plan.steps["train"].params == {"lr": 0.25}
    assert plan.steps["train"].outputs == ("model",)
    assert plan.steps["split"].outputs == ("train", "test")
    assert plan.steps["train_a"].inputs["data"].output == "train"
    assert plan.steps["train_2"].upstream == ("split", "train_a")


def test_unnamed_tuple_outputs():
    assert pair.outputs == ("output_0", "output_1")
    assert wait.outputs == ()
    assert load.outputs == ("output",)


def test_explicit_duplicate_id_is_an_error():
    @pipeline
    def p():
        wait(id="w")
        wait(id="w")

    with pytest.raises(DefinitionError, match="Step id 'w' is used twice"):
        p.trace()


def test_explicit_id_does_not_collide_with_generated_ones():
    @pipeline
    def p():
        wait(id="wait_2")
        wait()
        wait()

    assert list(p.trace().plan.steps) == ["wait_2", "wait", "wait_3"]


def test_after_unknown_and_outputs_used_as_values():
    @pipeline
    def p():
        wait(after="nope")

    with pytest.raises(DefinitionError, match="after='nope'.*names no step"):
        p.trace()

    @pipeline
    def branching():
        if load() > 0:
            wait()

    with pytest.raises(DefinitionError, match="no value while the pipeline is being traced"):
        branching.trace()

    @pipeline
    def unpack():
        a, b = load()

    with pytest.raises(DefinitionError, match="cannot be unpacked"):
        unpack.trace()


def test_outputs_inside_containers_and_no_output_steps():
    @pipeline
    def p():
        train((load(),))  # (a list of outputs is one input, as in ZenML: a tuple is not)

    with pytest.raises(DefinitionError, match="holds step outputs inside a tuple"):
        p.trace()

    @pipeline
    def q():
        train(wait())

    with pytest.raises(DefinitionError, match="has no outputs.*after='wait'"):
        q.trace()


def test_wrong_arguments_and_empty_pipeline():
    @pipeline
    def p():
        train(1, 2, 3)

    with pytest.raises(DefinitionError, match="wrong arguments"):
        p.trace()

    @pipeline
    def empty():
        pass

    with pytest.raises(DefinitionError, match="called no steps"):
        empty.trace()


def test_pipeline_defaults_apply_to_steps_without_their_own():
    own = StepRetryConfig(max_retries=5)

    @step(retry=own, resources=ResourceSettings(memory="1GB"))
    def special() -> None: ...

    @pipeline(retry=StepRetryConfig(max_retries=2), settings={"resources": {"memory": "200MB"}})
    def p():
        wait()
        special()

    plan = p.trace().plan
    assert plan.steps["wait"].retry.max_retries == 2
    assert plan.steps["wait"].memory == 200 * 10**6
    assert plan.steps["special"].retry is own
    assert plan.steps["special"].memory == 10**9

    @pipeline
    def bare():
        wait()

    assert bare.trace().plan.steps["wait"].retry == NO_RETRY


def test_a_pipeline_called_inside_another_adds_its_steps():
    """ZenML's composition: the inner pipeline's steps join the outer run, and what the
    inner function returns (a step output) can feed the outer pipeline's steps."""

    @pipeline
    def inner():
        wait()
        return load()

    @pipeline
    def outer():
        data = inner()
        train(data)

    plan = outer.trace().plan
    assert list(plan.steps) == ["wait", "load", "train"]
    assert plan.steps["train"].upstream == ("load",)


def test_plan_round_trips_through_json():
    import json

    from dagwell.core.plan import Plan

    @pipeline
    def p():
        a, b = split()
        train(a, lr=0.3)
        wait(after=[b])

    plan = p.trace().plan
    again = Plan.from_json(json.loads(json.dumps(plan.to_json())))
    assert again.to_json() == plan.to_json()


def test_zenml_output_rules_for_unannotated_steps_and_tuple_literals():
    """ZenML 0.98 (steps/utils.py): an unannotated step that only returns None has no
    output; a one-element tuple literal under a Tuple annotation is one output."""

    @step
    def side_effect_only():
        print("no value")

    @step
    def early_exit(flag: bool):
        if flag:
            return
        return None

    @step
    def value_without_annotation():
        return 3

    @step
    def single_literal() -> tuple[int, int]:
        return ((1, 2),)[0]

    assert side_effect_only.outputs == ()
    assert early_exit.outputs == ()
    assert value_without_annotation.outputs == ("output",)
    assert single_literal.outputs == ("output",)
