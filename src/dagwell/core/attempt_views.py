"""One attempt of a step as recorded (Attempt), and ZenML's ``exception_info`` of a
failed step, derived from its failure's traceback and the step's recorded source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any

from dagwell.core.failures import Failure, FailureKind
from dagwell.core.memory import MemorySeries
from dagwell.core.statuses import AttemptStatus


@dataclass(frozen=True)
class Attempt:
    number: int
    status: AttemptStatus
    failure: Failure | None
    memory_limit: int | None
    memory_request: int | None
    peak_memory: int | None
    started_at: datetime | None
    ended_at: datetime | None
    exit_code: int | None = None
    signal: int | None = None
    budget: str | None = None  # which budget its retry drew on: "step" or "infra"
    backoff: float | None = None  # seconds before the next attempt
    node: str | None = None
    external_id: str | None = None
    memory: MemorySeries | None = None  # memory over time, when the runtime sampled it

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class ExceptionInfo:
    """ZenML's ``step_run.exception_info``: what the failed step raised. ``source`` is its
    class's import path (``builtins.ValueError``; a class of the script run is named after
    the script's file, ``train.MyError``, as ZenML names its module), ``message`` its
    ``str()`` (None when empty), ``traceback`` the traceback from the step function's frame
    on, ``user_code_line`` the line of that frame counted from the first line of the
    function's source (its decorator), as ZenML counts."""

    traceback: str
    source: str | None = None
    message: str | None = None
    user_code_line: int | None = None


_FRAME = re.compile(r'^\s*File "(?P<file>[^"]*)", line (?P<line>\d+), in (?P<func>\S+)')


def exception_info_of(failure: Failure, source: dict[str, Any]) -> ExceptionInfo:
    """ZenML's ExceptionInfo of a step's failure (see :class:`ExceptionInfo`); ``source`` is
    the step function's recorded source (``first_line``, ``function``), when known."""
    import builtins

    kind = failure.reason or ""
    text = failure.traceback or failure.message
    if failure.kind is not FailureKind.USER_ERROR or not failure.traceback:
        return ExceptionInfo(text, None, failure.message)
    found = getattr(builtins, kind, None)
    origin = f"builtins.{kind}" if isinstance(found, type) else (kind or None)
    message = None
    tail = text.rstrip().splitlines()
    for index in range(len(tail) - 1, -1, -1):  # the exception's own line: "Type: message"
        named, sep, said = tail[index].partition(": ")
        if named == kind or named.endswith(f".{kind}"):
            if "." in named and origin is not None and "." not in origin:
                origin = named  # (Python prints its class's module unless __main__)
            message = "\n".join([said, *tail[index + 1 :]]).strip() if sep else None
            break
    script = source.get("script")
    if origin is not None and "." not in origin and script:
        # a class of the script run (Python names no module for __main__): ZenML names the
        # script's module, as the file's name gives it
        origin = f"{PurePath(script).stem}.{origin}"
    line = None
    start, function = source.get("first_line"), source.get("function")
    lines = text.splitlines(keepends=True)
    length = (source.get("source_code") or "").count("\n")
    for index, entry in enumerate(lines):
        frame = _FRAME.match(entry)
        if frame is None or start is None or frame["func"] != function:
            continue
        number = int(frame["line"])
        if start <= number <= start + length:
            line = number - int(start)
            text = "".join(lines[index:])  # (from the step's frame on, as ZenML cuts it)
            break
    return ExceptionInfo(text, origin, message or None, line)
