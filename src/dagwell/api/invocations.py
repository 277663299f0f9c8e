"""ZenML's ``Pipeline.prepare(...)`` and what it fills: ``pipeline.invocations`` (invocation
id -> the step call), ``pipeline.is_prepared``.

ZenML code and tests call ``prepare`` to trace a pipeline without running it and then read
its invocations: which step each is, the parameters it was given, the steps it waits for.
dagwell traces the same way a run does (:meth:`Pipeline.trace`), so ``prepare`` raises what
a run would raise before it starts (a missing parameter, a step called outside it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StepInvocation:
    """One call of a step in the pipeline function, as ZenML's StepInvocation shows it."""

    id: str
    step: Any  # the @step object called
    parameters: dict[str, Any] = field(default_factory=dict)  # the constants it was given
    upstream_steps: set[str] = field(default_factory=set)  # ids it waits for (inputs, after=)
    input_artifacts: dict[str, str] = field(default_factory=dict)  # name -> upstream id


def invocations_of(traced: Any) -> dict[str, StepInvocation]:
    """The invocations of a traced pipeline (engine.runner.TracedPipeline), in call order."""
    found = {}
    for step_id, spec in traced.plan.steps.items():
        parameters = {n: i.value for n, i in spec.inputs.items() if i.source == "value"}
        inputs = {n: str(i.step) for n, i in spec.inputs.items() if i.source == "output"}
        found[step_id] = StepInvocation(
            step_id, traced.steps.get(step_id), parameters, set(spec.upstream), inputs
        )
    return found
