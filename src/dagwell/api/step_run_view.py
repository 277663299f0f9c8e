"""ZenML's ``get_step_context().step_run``: the running step's StepRunResponse.

What the attempt was handed answers at once: ``.name``, ``.id``, ``.config``, ``.status``
(running, as ZenML's is also in the step's hooks), ``.pipeline_run_id`` and ``.inputs`` (the
step context's). Everything else a StepRun answers (``.start_time``, ``.spec``,
``.cache_key``, ``.source_code``, ...) is the step as recorded now, read through the run's
view (which reads the run store once) on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dagwell.core.records import StepConfig
from dagwell.core.statuses import StepStatus


class StepRunView:
    def __init__(
        self,
        name: str,
        run: Any,  # the step context's pipeline_run view (dagwell.api.context._RunView)
        config: StepConfig,
        inputs: Callable[[], dict[str, list[Any]]],
    ) -> None:
        self.name = name
        self.config = config
        self._run = run
        self._inputs = inputs

    @property
    def id(self) -> str:
        return f"{self._run.id}/{self.name}"

    @property
    def pipeline_run_id(self) -> str:
        return str(self._run.id)

    @property
    def status(self) -> StepStatus:
        return StepStatus.RUNNING

    @property
    def inputs(self) -> dict[str, list[Any]]:
        return self._inputs()

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self._run.steps[self.name], attr)

    def __repr__(self) -> str:
        return f"step_run(name={self.name!r}, id={self.id!r})"
