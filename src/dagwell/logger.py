"""``dagwell.logger``: ZenML's ``get_logger`` (a stdlib logger at INFO).

Its records go to whatever ``sys.stderr`` is when they are logged: inside a step that is
the attempt's log, which the orchestrator echoes live to the terminal with the step id
(:mod:`dagwell.engine.log_echo`); in the orchestrator process the terminal itself.
"""

from __future__ import annotations

import logging
import sys


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the sys.stderr of the moment (an attempt process replaces it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def get_logger(logger_name: str) -> logging.Logger:
    logger = logging.getLogger(logger_name)
    if not logger.handlers:
        handler = _CurrentStderr()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


__all__ = ["get_logger"]
