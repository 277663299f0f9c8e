"""Under FAIL_FAST the pipeline call's error is also of the failed step's own exception
class, found from its traceback: a class of the user's named like a built-in is the
user's, not the built-in."""

from __future__ import annotations

import builtins

import pytest

from dagwell import pipeline, step
from dagwell.core.records import RunFailedError
from dagwell.enums import ExecutionMode


class TimeoutError(Exception):  # (a project's own class, named like a built-in)
    """The project's own TimeoutError, as code that predates Python's names its errors."""


@step(enable_cache=False)
def times_out() -> None:
    raise TimeoutError("upstream API took too long")


@pipeline(execution_mode=ExecutionMode.FAIL_FAST)
def fetching() -> None:
    times_out()


def test_a_users_class_named_like_a_built_in_is_the_users(home):
    """Before: the built-in of that name was taken (builtins first), so the project's
    `except TimeoutError` missed the error and an `except OSError` caught it."""
    with pytest.raises(RunFailedError) as caught:
        fetching()
    assert isinstance(caught.value, TimeoutError), type(caught.value).__mro__
    assert not isinstance(caught.value, builtins.TimeoutError), type(caught.value).__mro__
