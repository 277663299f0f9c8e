"""``dagwell.artifacts.unmaterialized_artifact``: ZenML's module path for
``UnmaterializedArtifact`` (a step input passed as the artifact, not loaded)."""

from __future__ import annotations

from dagwell.core.records import UnmaterializedArtifact

__all__ = ["UnmaterializedArtifact"]
