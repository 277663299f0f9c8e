"""The tag changes an attempt made, written at each call, for an attempt that dies.

ZenML applies a step's ``add_tags``/``remove_tags`` at the call. An attempt never writes
the run store, so its changes ride on its result manifest, and an attempt that leaves no
manifest (OOM-killed, killed at its timeout or by a stop, its disk full) would lose them.
So each change is also written here the moment it is made: one document beside the
attempt's manifest holding every change so far, replaced whole (atomically) at each
call, so a kill mid-write leaves the changes before it. The orchestrator reads it only
when no result came; a manifest, when there is one, carries the same changes.
"""

from __future__ import annotations

from typing import Any

from dagwell.artifact_store.store import ArtifactStore, manifest_key


def journal_key(run_id: str, step_id: str, attempt: int) -> str:
    """Where an attempt's tag changes go: beside its manifest, never taken for one."""
    return manifest_key(run_id, step_id, attempt).removesuffix(".json") + ".tags.json"


def write_changes(store: ArtifactStore, key: str, changes: list[dict[str, Any]]) -> None:
    store.write_doc(key, {"changes": list(changes)})


def read_changes(store: ArtifactStore, key: str) -> list[dict[str, Any]]:
    """The changes written at ``key`` (none if there is no document)."""
    doc = store.read_doc(key)
    changes = doc.get("changes") if doc else None
    return list(changes) if isinstance(changes, list) else []
