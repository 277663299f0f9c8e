"""``dagwell.hooks``: ZenML's built-in hooks (``zenml.hooks``).

ZenML's ``alerter_failure_hook`` and ``alerter_success_hook`` post to the active stack's
alerter, and on a stack without one they only log that they skip. dagwell has no stack
alerter (``Client().active_stack.alerter`` is None), so they do just that here, and the
warning says what posts instead: alerters given to the pipeline (``alerters=``), which
every failed run reaches without a hook. Other names say why dagwell lacks them.
"""

from __future__ import annotations

from typing import Any

from dagwell._zenml_names import lookup
from dagwell.logger import get_logger

_WHERE = {"alerter_failure_hook": __name__, "alerter_success_hook": __name__}
__all__ = ["alerter_failure_hook", "alerter_success_hook"]

_SKIPPED = (
    "dagwell has no stack alerter, so it posts nothing (as ZenML's does on a stack without one)"
)


def alerter_failure_hook(exception: BaseException) -> None:
    """ZenML's standard failure hook: skipped, with a warning, as on a stack without an
    alerter."""
    get_logger(__name__).warning(
        f"alerter_failure_hook: {_SKIPPED}; give the pipeline alerters=[SlackAlerter(url)] or "
        "[WebhookAlerter(url)], which every failed run and OOM kill reaches without a hook, "
        "or make one the hook itself: on_failure=SlackAlerter(url)."
    )


def alerter_success_hook() -> None:
    """ZenML's standard success hook: skipped, with a warning, as on a stack without an
    alerter."""
    get_logger(__name__).warning(
        f"alerter_success_hook: {_SKIPPED}; dagwell's alerters post failures only, so post "
        "a success from an on_success hook of your own."
    )


def __getattr__(name: str) -> Any:
    return lookup(__name__, _WHERE, name)


def __dir__() -> list[str]:
    return list(__all__)
