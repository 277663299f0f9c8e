"""The pipeline runs linked to a model version: ZenML's ``model_version.pipeline_runs``.

ZenML links a run to a model version when the run's pipeline was configured with that
model, or one of its steps was (zen_stores: model_version_pipeline_run links). dagwell
records the version a run and each step ran for in the run's plan, so the links are read
from the plans: one read per run in the home, oldest first.
"""

from __future__ import annotations

from typing import Any, Protocol

from dagwell.core.errors import RunNotFound


class RunSource(Protocol):
    """What the links are read through: the ``Client`` the version was got from (its own
    home, not the working directory's)."""

    def store(self) -> Any: ...

    def get_run(self, name_id_or_prefix: Any) -> Any: ...


def _ran_for(plan: dict[str, Any], model: str, number: int) -> bool:
    linked = [(plan.get("config") or {}).get("model") or {}]
    linked += [(s.get("context") or {}).get("model") or {} for s in plan.get("steps") or []]
    return any(m.get("name") == model and m.get("number") == number for m in linked)


def linked_runs(client: RunSource, model: str, number: int) -> list[dict[str, Any]]:
    """The rows of the runs linked to version ``number`` of ``model``, oldest first."""
    store = client.store()
    found = []
    for row in store.list_runs(limit=None, oldest_first=True, step_counts=False):
        try:
            plan = store.run_plan(row["id"])
        except RunNotFound:  # (a run being recorded right now: not linked yet)
            continue
        if _ran_for(plan, model, number):
            found.append(row)
    return found
