"""What the engine tells a progress display, as a protocol, and the display that shows nothing.

The engine reports counts and events through this seam; the rich terminal display lives in
:mod:`dagwell.display.live`, so the engine never imports a display.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from dagwell.core.statuses import StepStatus


class Progress(Protocol):
    def start(self, run_id: str, name: str, total: int) -> None: ...
    def update(self, counts: Mapping[StepStatus, int]) -> None: ...
    def event(self, text: str) -> None: ...
    def finish(self, status: str) -> None: ...


class NullProgress:
    def start(self, run_id: str, name: str, total: int) -> None:
        return None

    def update(self, counts: Mapping[StepStatus, int]) -> None:
        return None

    def event(self, text: str) -> None:
        return None

    def finish(self, status: str) -> None:
        return None
