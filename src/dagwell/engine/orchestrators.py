"""Choosing an orchestrator: the default one, and rebuilding the one a run recorded.

Resume and stop read the run's orchestrator description from the store and rebuild it
here, the only place that knows every kind (local and Kubernetes).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from dagwell.core.errors import ConfigError
from dagwell.runtimes.base import Orchestrator
from dagwell.runtimes.local_orchestrator import LocalOrchestrator


def default_orchestrator() -> Orchestrator:
    return LocalOrchestrator()


def from_description(description: dict[str, Any]) -> Orchestrator:
    """Rebuild the orchestrator a run was started with (to resume or stop it)."""
    kind = description.get("kind")
    if kind == "local":
        names = {f.name for f in fields(LocalOrchestrator) if f.init}
        return LocalOrchestrator(**{k: v for k, v in description.items() if k in names})
    if kind == "kubernetes":
        from dagwell.kubernetes.orchestrator import KubernetesOrchestrator

        return KubernetesOrchestrator.from_description(description)
    raise ConfigError(f"Unknown orchestrator kind {kind!r} in the run record.")
