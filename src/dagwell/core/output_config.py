"""ZenML's ``step_run.config.outputs``: how each output of a step run was configured.

ZenML 0.98 records, for each output, the materializers it may be stored with
(``materializer_source``, a tuple of Sources), a default one and the ``ArtifactConfig``
it was annotated with (None without one). dagwell knows the materializer an output was
stored with once the step ran (its ref's), else the one the step chose for it; the
ArtifactConfig is what the plan recorded of ``Annotated[..., "name"]`` or
``ArtifactConfig(...)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dagwell.core.manifest import ArtifactRef
from dagwell.core.source import Source, materializer_source


@dataclass(frozen=True)
class ArtifactConfigView:
    """The ``ArtifactConfig`` an output was annotated with, as ZenML's config shows it."""

    name: str | None = None
    version: str | None = None
    tags: list[str] | None = None
    run_metadata: dict[str, Any] | None = None
    artifact_type: str | None = None


@dataclass(frozen=True)
class OutputConfig:
    """ZenML's ``ArtifactConfiguration`` of one output."""

    materializer_source: tuple[Source, ...]
    default_materializer_source: Source | None = None
    artifact_config: ArtifactConfigView | None = None


def output_configs(
    outputs: list[str], refs: dict[str, ArtifactRef], context: dict[str, Any]
) -> dict[str, OutputConfig]:
    """Each of ``outputs`` configured: stored by its ref's materializer (or the one the
    step's context chose, before it ran), annotated as the context's ``artifacts`` say."""
    artifacts: dict[str, Any] = context.get("artifacts") or {}
    chosen: dict[str, str] = context.get("materializers") or {}
    found: dict[str, OutputConfig] = {}
    for name in outputs:
        ref = refs.get(name)
        if ref is not None:
            sources: tuple[Source, ...] = (materializer_source(ref.materializer, ref.type_name),)
        else:
            sources = (materializer_source(chosen[name]),) if name in chosen else ()
        recorded = artifacts.get(name)
        config = None
        if recorded is not None:
            version = recorded.get("version")
            config = ArtifactConfigView(
                name=recorded.get("name"),
                version=None if version is None else str(version),
                tags=list(recorded["tags"]) if recorded.get("tags") else None,
                run_metadata=dict(recorded["run_metadata"])
                if recorded.get("run_metadata")
                else None,
                artifact_type=recorded.get("artifact_type"),
            )
        found[name] = OutputConfig(sources, None, config)
    return found
