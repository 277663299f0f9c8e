"""User-facing settings models: ResourceSettings and StepRetryConfig.

Field names match ZenML's, so code written for it keeps working with only the import
changed. Validation happens when the object is created (decoration time), and a bad value
becomes a one-line ConfigError naming the field and the fix instead of pydantic's report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dagwell.core.errors import ConfigError
from dagwell.core.failures import NEVER_RETRIED, RETRYABLE_KINDS, FailureKind
from dagwell.core.retry import retried_kind
from dagwell.core.units import parse_memory


def _explain(model: str, error: ValidationError, fields: Sequence[str]) -> ConfigError:
    parts = []
    for item in error.errors():
        loc = ".".join(str(p) for p in item["loc"]) or model
        if item["type"] == "extra_forbidden":
            parts.append(f"unknown field {loc!r} (known fields: {', '.join(fields)})")
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
            parts.append(f"{loc}={item.get('input')!r}: {message}")
    return ConfigError(f"Invalid {model}: " + "; ".join(parts) + ".")


class _Settings(BaseModel):
    # NaN/inf durations or factors would silently disable a bound: refused like any bad value.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise _explain(type(self).__name__, error, list(type(self).model_fields)) from None


class ResourceSettings(_Settings):
    """What one step needs: memory (a limit locally, request+limit on Kubernetes), CPU, GPUs."""

    cpu_count: float | None = Field(default=None, gt=0)
    gpu_count: int | None = Field(default=None, ge=0)
    memory: str | None = None

    @field_validator("memory", mode="before")
    @classmethod
    def _check_memory(cls, value: Any) -> Any:
        if value is None:
            return None
        parse_memory(value)  # raises ConfigError with the accepted forms
        return str(value)

    @property
    def memory_bytes(self) -> int | None:
        return None if self.memory is None else parse_memory(self.memory)

    @property
    def empty(self) -> bool:
        return self.cpu_count is None and self.gpu_count is None and self.memory is None


class StepRetryConfig(_Settings):
    """How a step is retried. ``max_retries=N`` means N retries, N+1 attempts.

    ``delay`` seconds before the first retry, multiplied by ``backoff`` for each next one,
    capped at ``max_delay``, plus up to ``jitter`` random seconds. ``retry_on`` limits the
    failure kinds retried (default: every retryable kind). On an OOM kill at the step's own
    memory limit, ``memory_factor`` multiplies the limit for the next attempt, up to
    ``max_memory`` and the node's memory.
    """

    max_retries: int = Field(default=1, ge=0)
    delay: float = Field(default=0.0, ge=0)
    backoff: float = Field(default=1.0, ge=0)
    max_delay: float = Field(default=300.0, ge=0)
    jitter: float = Field(default=0.0, ge=0)
    retry_on: tuple[FailureKind, ...] | None = None
    memory_factor: float | None = Field(default=None, gt=1)
    max_memory: str | None = None

    @field_validator("retry_on", mode="before")
    @classmethod
    def _check_retry_on(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str | FailureKind):
            value = [value]
        kinds = []
        for item in value:
            try:
                kind = FailureKind(item)
            except ValueError:
                known = ", ".join(sorted(k.value for k in RETRYABLE_KINDS))
                raise ValueError(f"unknown failure kind {item!r}; use some of: {known}") from None
            if kind in NEVER_RETRIED:
                raise ValueError(
                    f"{kind.value!r} is never retried (a retry cannot cure it); remove it"
                )
            kinds.append(kind)
        return tuple(kinds)

    @field_validator("max_memory", mode="before")
    @classmethod
    def _check_max_memory(cls, value: Any) -> Any:
        if value is None:
            return None
        parse_memory(value, what="max_memory")
        return str(value)

    @model_validator(mode="after")
    def _check_memory_pair(self) -> StepRetryConfig:
        if self.max_memory is not None and self.memory_factor is None:
            raise ValueError("max_memory only applies with memory_factor; set memory_factor=2")
        return self

    @property
    def max_memory_bytes(self) -> int | None:
        return None if self.max_memory is None else parse_memory(self.max_memory)

    def retries_on(self, kind: FailureKind) -> bool:
        return retried_kind(self.retry_on, kind)
