"""What the running step knows about itself, for ``get_step_context()`` and friends.

The attempt process (or the orchestrator, while it calls a step's hooks) enters a
:class:`StepInfo` before the user's code runs and leaves it after; the public face in
:mod:`dagwell.api.context` builds ZenML's ``StepContext`` from it. Output metadata and
tags a step adds, and the artifacts it saves, are collected here and published with the
outputs. Pure data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from dagwell.core.errors import StepContextError
from dagwell.core.manifest import ArtifactRef


@dataclass
class StepInfo:
    run_id: str
    step_id: str
    step_name: str
    attempt: int
    params: dict[str, Any]
    outputs: tuple[str, ...]
    artifact_store: str
    context: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, ArtifactRef] = field(default_factory=dict)
    output_metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    output_tags: dict[str, list[str]] = field(default_factory=dict)
    # The artifact versions save_artifact/register_artifact made in the step ({"name",
    # "version"} each): ZenML's manual outputs, recorded with the step's outputs.
    saved: list[dict[str, str]] = field(default_factory=list)
    # Tags the step put on or took off runs and pipelines (add_tags(...) with no target is
    # its run), for the orchestrator to record: {"kind", "id", "scope", "add", "remove"}.
    tag_changes: list[dict[str, Any]] = field(default_factory=list)
    # Each output's annotated class (None: not a class), once the step's function is known.
    output_classes: dict[str, Any] = field(default_factory=dict)
    in_hook: bool = False
    # What the pipeline's on_init hook returned (ZenML's get_step_context().pipeline_state)
    pipeline_state: Any = None

    @property
    def pipeline(self) -> str:
        return str(self.context.get("pipeline") or "")

    @property
    def run_name(self) -> str:
        return str(self.context.get("run_name") or self.run_id)

    def output_name(self, name: str | None, what: str) -> str:
        """The output ``name`` refers to (the only one when omitted)."""
        if name is None:
            if len(self.outputs) != 1:
                raise StepContextError(
                    f"{what}: step {self.step_name!r} has outputs "
                    f"{', '.join(self.outputs) or '(none)'}; pass output_name= to pick one."
                )
            return self.outputs[0]
        if name not in self.outputs:
            raise StepContextError(
                f"{what}: step {self.step_name!r} has no output {name!r}; it has "
                f"{', '.join(self.outputs) or '(none)'}."
            )
        return name


_CURRENT: ContextVar[StepInfo | None] = ContextVar("dagwell_step", default=None)


def current_step() -> StepInfo | None:
    return _CURRENT.get()


@contextmanager
def in_step(info: StepInfo) -> Iterator[StepInfo]:
    token = _CURRENT.set(info)
    try:
        yield info
    finally:
        _CURRENT.reset(token)
