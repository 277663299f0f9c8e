"""Tracing: calling a pipeline function records step invocations instead of running them.

While a pipeline function runs under :func:`tracing`, every step call registers a
StepSpec here and returns placeholders (OutputRef) for its outputs. Passing a placeholder
to another step is what makes an edge. Placeholders refuse to be used as values, so a
pipeline that branches on a step's result fails at definition time with a fix, not later.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NoReturn

from dagwell.core.errors import DefinitionError
from dagwell.core.names import check_name
from dagwell.core.plan import StepSpec


def _not_a_value(step_id: str) -> NoReturn:
    raise DefinitionError(
        f"The output of step {step_id!r} has no value while the pipeline is being traced: a "
        "pipeline function only wires steps together. Move this logic into a step, or pass "
        "the output to another step."
    )


@dataclass(frozen=True)
class StepHandle:
    """What a step call returns inside a pipeline; usable in ``after=``."""

    step_id: str

    def __bool__(self) -> bool:  # noqa: PLE0304 (it never returns: a placeholder has no truth)
        _not_a_value(self.step_id)


def _refuse(name: str) -> Any:
    def method(self: StepHandle, *args: Any) -> Any:
        _not_a_value(self.step_id)

    method.__name__ = name
    return method


# Placeholders have no value: comparing, computing with or indexing them is a tracing error.
for _name in (
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__truediv__",
    "__rtruediv__",
    "__getitem__",
    "__len__",
    "__int__",
    "__float__",
    "__index__",
    "__contains__",
):
    setattr(StepHandle, _name, _refuse(_name))


@dataclass(frozen=True)
class OutputRef(StepHandle):
    """A placeholder for one output of a step invocation."""

    output: str = "output"

    def __iter__(self) -> Iterator[Any]:
        raise DefinitionError(
            f"Step {self.step_id!r} has one output, so its result cannot be unpacked. To "
            "return several outputs, annotate the step's return type as a tuple, e.g. "
            "-> tuple[int, str]."
        )

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        _not_a_value(self.step_id)


@dataclass
class Trace:
    """The invocations recorded while one pipeline function runs."""

    pipeline: str
    specs: dict[str, StepSpec] = field(default_factory=dict)
    steps: dict[str, Any] = field(default_factory=dict)  # step id -> Step object
    # step id -> ZenML step options from with_options(steps={...}) or a YAML config
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def new_id(self, name: str, explicit: str | None) -> str:
        if explicit is not None:
            if not explicit or not isinstance(explicit, str):
                raise DefinitionError(f"id={explicit!r} is not a valid step id; use a string.")
            check_name(explicit, "Step id")
            if explicit in self.specs:
                raise DefinitionError(
                    f"Step id {explicit!r} is used twice in pipeline {self.pipeline!r}; give "
                    "each call a unique id=..."
                )
            return explicit
        count = self._counts.get(name, 0)
        while True:
            count += 1
            candidate = name if count == 1 else f"{name}_{count}"
            if candidate not in self.specs:
                self._counts[name] = count
                return candidate

    def resolve_after(self, step_name: str, after: Any) -> tuple[str, ...]:
        if after is None:
            return ()
        items = after if isinstance(after, list | tuple | set) else [after]
        ids: list[str] = []
        for item in items:
            if isinstance(item, StepHandle):
                ids.append(item.step_id)
            elif isinstance(item, str):
                if item not in self.specs:
                    known = ", ".join(self.specs) or "none yet"
                    raise DefinitionError(
                        f"after={item!r} in the call of step {step_name!r} names no step "
                        f"called before it (known: {known})."
                    )
                ids.append(item)
            else:
                raise DefinitionError(
                    f"after= of step {step_name!r} takes step calls or step ids, got "
                    f"{type(item).__name__}."
                )
        return tuple(ids)

    def add(self, spec: StepSpec, step: Any) -> None:
        self.specs[spec.id] = spec
        self.steps[spec.id] = step


_CURRENT: ContextVar[Trace | None] = ContextVar("dagwell_trace", default=None)


def current_trace() -> Trace | None:
    return _CURRENT.get()


@contextmanager
def tracing(pipeline: str, overrides: dict[str, dict[str, Any]] | None = None) -> Iterator[Trace]:
    if _CURRENT.get() is not None:
        raise DefinitionError(
            f"Pipeline {pipeline!r} was called inside another pipeline; pipelines cannot be "
            "nested. Call its steps directly instead."
        )
    trace = Trace(pipeline, overrides=dict(overrides or {}))
    token = _CURRENT.set(trace)
    try:
        yield trace
    finally:
        _CURRENT.reset(token)
