"""A step's annotations checked when it runs, as ZenML 0.98 checks them.

Written from zenml/orchestrators/step_runner.py (``call_entrypoint`` validates the
arguments with pydantic's ``validate_call``; ``_validate_outputs`` refuses an output that
is not an instance of its resolved annotation, and a return value of a step without
outputs) and zenml/steps/utils.py (``resolve_type_annotation``).
"""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, TypeVar

import pydantic
import pytest

from dagwell import pipeline, step
from dagwell.core.errors import StepInterfaceError
from dagwell.core.failures import FailureKind
from dagwell.core.step_types import coerce_arguments, resolve
from helpers import outcome, run_script

T = TypeVar("T")


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (int, int),
        (Annotated[float, "name"], float),
        (list[int], list),
        (typing.Dict[str, Any], dict),  # noqa: UP006 (the typing alias resolves too)
        (Optional[int], (int, type(None))),  # noqa: UP045
        (int | str, (int, str)),
        (Annotated[int | None, "x"], (int, type(None))),
        (Any, None),
        (int | Any, None),
        (Literal["a"], None),
        (T, None),
        ("NotAType", None),
        (None, type(None)),
    ],
)
def test_an_annotation_resolves_to_what_isinstance_can_check(annotation, expected):
    assert resolve(annotation) == expected


class TrainConfig(pydantic.BaseModel):
    lr: float = 0.1
    layers: int = 2


@step(enable_cache=False)
def train(config: TrainConfig, scale: float) -> str:
    assert isinstance(config, TrainConfig), type(config)
    return f"{type(scale).__name__}:{config.lr * config.layers * scale}"


@pipeline(enable_cache=False)
def training(config: dict, scale: int) -> None:  # type: ignore[type-arg]
    train(config=config, scale=scale)


def test_a_dict_for_a_model_parameter_and_an_int_for_a_float_are_converted(home, tmp_path):
    """Before: the step got the dict itself ('dict' object has no attribute 'lr'), as a
    YAML run configuration passes it, and an int where it declared a float."""
    config = tmp_path / "run.yaml"
    config.write_text("parameters:\n  config:\n    lr: 0.5\n    layers: 3\n  scale: 2\n")
    run = training.with_options(config_path=str(config))()
    assert run.steps["train"].output.load() == "float:3.0"


@step(enable_cache=False)
def wants_an_int(x: int) -> int:
    return x


@pipeline(enable_cache=False)
def given_a_word() -> None:
    wants_an_int("seven")  # type: ignore[arg-type]


def test_a_value_that_does_not_convert_fails_the_step_once_naming_the_input(home):
    """Before: the step ran with the string and failed inside its own code."""
    step_run = outcome(given_a_word).steps["wants_an_int"]
    (attempt,) = step_run.attempts  # a configuration error: not retried
    assert attempt.failure is not None and attempt.failure.kind is FailureKind.CONFIG_ERROR
    message = attempt.failure.message
    assert message.startswith("StepInterfaceError: Input 'x' of step 'wants_an_int' is ")
    assert "annotated int but got a value of type str" in message


@step(enable_cache=False)
def says_int(value: str) -> int:
    return value  # type: ignore[return-value]


@step(enable_cache=False)
def two_outputs() -> tuple[Annotated[int, "count"], Annotated[str, "label"]]:
    return 1, 2  # type: ignore[return-value]


@step(enable_cache=False)
def returns_despite_none() -> None:
    return 5  # type: ignore[return-value]


@step(enable_cache=False)
def literal_output() -> Literal["a", "b"]:
    return "c"  # type: ignore[return-value]


@step(enable_cache=False)
def optional_output(give: bool) -> int | None:
    return 1 if give else None


@pipeline(enable_cache=False)
def outputs_of_every_kind() -> None:
    says_int("not a number")
    two_outputs()
    returns_despite_none()
    literal_output()
    optional_output(True)
    optional_output(False)


def test_an_output_its_annotation_does_not_admit_fails_the_step(home):
    """Before: a str stored as an int output and a value returned by a '-> None' step
    silently dropped, both 'completed'."""
    run = outcome(outputs_of_every_kind)
    for name, needle in [
        (
            "says_int",
            "Wrong type for output 'output' of step 'says_int': it is annotated int "
            "but the step returned a value of type str",
        ),
        (
            "two_outputs",
            "Wrong type for output 'label' of step 'two_outputs': it is annotated "
            "str but the step returned a value of type int",
        ),
        (
            "returns_despite_none",
            "Step 'returns_despite_none' is annotated '-> None' but returned a value of type int",
        ),
    ]:
        failure = run.steps[name].attempts[-1].failure
        assert failure is not None and failure.kind is FailureKind.USER_ERROR, name
        assert needle in failure.message, failure.message
    # what isinstance cannot check is not checked (ZenML's isinstance would raise)
    assert run.steps["literal_output"].output.load() == "c"
    assert run.steps["optional_output"].output.load() == 1
    assert run.steps["optional_output_2"].output.load() is None


def test_arguments_already_of_their_type_are_passed_as_they_are():
    def f(config: TrainConfig, items: list[int], anything: Any, n: int) -> None: ...

    config, items = TrainConfig(), [1, 2]
    given = {"config": config, "items": items, "anything": object(), "n": 3}
    out = coerce_arguments("f", f, given, parameters=given)
    assert out == given and out["config"] is config and out["items"] is items
    with pytest.raises(StepInterfaceError, match="Input 'n' of step 'f'"):
        coerce_arguments("f", f, {"n": "many"}, parameters=("n",))
    with pytest.raises(StepInterfaceError, match="Input 'items' of step 'f'.*1: Input should"):
        coerce_arguments("f", f, {"items": [1, "two"]}, parameters=("items",))


def test_nested_parameters_are_converted_as_zenmls_validate_call_converts_them():
    """Before (review of ecf3504): only the outer type was looked at, so list[Config] from
    a YAML list of dicts reached the step as dicts ('dict' has no attribute 'lr')."""

    def f(
        configs: list[TrainConfig],
        by_name: dict[str, TrainConfig],
        paths: list[Path],
        pair: tuple[int, float],
        maybe: Optional[list[TrainConfig]],  # noqa: UP045
    ) -> None: ...

    given = {
        "configs": [{"lr": 0.2}],
        "by_name": {"a": {"layers": 3}},
        "paths": ["/tmp"],
        "pair": [1, 2],
        "maybe": [{"lr": 0.3}],
    }
    out = coerce_arguments("f", f, given, parameters=given)
    assert out["configs"] == [TrainConfig(lr=0.2)] and out["by_name"]["a"].layers == 3
    assert out["paths"] == [Path("/tmp")] and out["pair"] == (1, 2.0)
    assert out["maybe"] == [TrainConfig(lr=0.3)]


def test_an_artifact_input_is_never_converted():
    """Before (review of ecf3504): a DataFrame given to a ``list`` input became the list of
    its column names (pydantic converts anything iterable)."""
    import pandas as pd

    def f(rows: list, config: TrainConfig) -> None: ...  # type: ignore[type-arg]

    frame = pd.DataFrame({"a": [1], "b": [2]})
    out = coerce_arguments("f", f, {"rows": frame, "config": {"lr": 1}}, parameters=())
    assert out["rows"] is frame and out["config"] == {"lr": 1}


class _Row(typing.TypedDict):
    a: int


@dataclasses.dataclass
class _Holder:
    row: _Row  # (pydantic refuses typing.TypedDict before Python 3.12)


def test_a_type_pydantic_cannot_build_is_passed_as_it_is():
    """Before (review of ecf3504): a dataclass holding a typing.TypedDict raised
    PydanticUserError out of the attempt's setup."""

    def f(holder: _Holder, n: int) -> None: ...

    given = {"holder": {"row": {"a": 1}}, "n": 2}
    assert coerce_arguments("f", f, given, parameters=given) == given


SCRIPT = """
import os
import pydantic
from dataclasses import dataclass
from dagwell import LocalOrchestrator, pipeline, step


class Config(pydantic.BaseModel):  # defined in __main__: pickled by value, loaded as a copy
    lr: float = 0.1


@dataclass
class Box:
    items: list


@step
def make() -> Config:
    return Config(lr=0.5)


@step
def box() -> Box:
    return Box([1])


@step
def passes_on(config: Config, b: Box) -> Config:
    assert b.items == [1]
    return config


@pipeline(enable_cache=False)
def p() -> None:
    passes_on(make(), box())
    passes_on(Config(lr=0.7), Box([1]), id="constants")  # built here, rebuilt there


if __name__ == "__main__":  # (a spawned attempt imports this file)
    orchestrator = LocalOrchestrator(start_method=os.environ["METHOD"])
    run = p.with_options(orchestrator=orchestrator)()
    print("ok", run.steps["passes_on"].output.load().lr, run.steps["constants"].output.load().lr)
"""


@pytest.mark.parametrize("method", ["auto", "spawn"])
def test_a_class_of_the_main_module_passes_between_steps(tmp_path, method):
    """Before (ecf3504): an output of a class defined in the pipeline's script came back
    from its pickle as a copy of that class, and the next step failed: "Input 'config' of
    step 'passes_on' is annotated Config but got a value of type Config". Before the
    review's fix, a spawned attempt (which loads the script as __dagwell_file_0__) still
    refused the constants the script (its __main__) had built."""
    script = tmp_path / "main_classes.py"
    script.write_text(SCRIPT)
    done = run_script([str(script)], tmp_path / "home", cwd=tmp_path, METHOD=method)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok 0.5 0.7")


@step(enable_cache=False)
def numpy_sum() -> int:
    import numpy as np

    return np.arange(4).sum()  # type: ignore[no-any-return]  (a numpy.int64)


@step(enable_cache=False)
def an_int_for_a_float() -> float:
    return 3


@step(enable_cache=False)
def numpy_comparison() -> bool:
    import numpy as np

    return np.float64(0.95) > 0.9  # type: ignore[no-any-return]  (a numpy.bool_)


@step(enable_cache=False)
def takes_both(count: int, ratio: float) -> str:
    return f"{count} {ratio}"


@pipeline(enable_cache=False)
def numbers_of_the_tower() -> None:
    takes_both(numpy_sum(), an_int_for_a_float())
    numpy_comparison()


def test_numbers_of_the_numeric_tower_stand_for_int_and_float(home):
    """Before: 'Wrong type for output ... annotated int but the step returned a value of
    type int64' after the step's work was done (ZenML's isinstance refuses it too)."""
    run = numbers_of_the_tower()
    assert run.steps["numpy_sum"].output.load() == 6
    assert run.steps["takes_both"].output.load() in ("6 3", "6 3.0")
    assert run.steps["numpy_comparison"].output.load()
