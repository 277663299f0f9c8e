"""The tag changes an attempt made, written at each call, for an attempt that dies.

ZenML applies a step's ``add_tags``/``remove_tags`` at the call. An attempt never writes
the run store, so its changes ride on its result manifest, and an attempt that leaves no
manifest (OOM-killed, killed at its timeout or by a stop, its disk full) would lose them.
So each change is also written here the moment it is made: one small document per call,
numbered, in a folder beside the attempt's manifest (each written atomically, so a kill
mid-write leaves the changes before it; one per call, so a step that tags 2000 times
writes 2000 small documents, not the whole list again at each call). The orchestrator
reads them only when no result came; a manifest, when there is one, carries the same
changes.
"""

from __future__ import annotations

from typing import Any

from dagwell.artifact_store.store import ArtifactStore, manifest_key


def journal_key(run_id: str, step_id: str, attempt: int) -> str:
    """The folder of an attempt's tag changes: beside its manifest, never taken for one."""
    return manifest_key(run_id, step_id, attempt).removesuffix(".json") + ".tags"


def write_change(store: ArtifactStore, key: str, index: int, change: dict[str, Any]) -> None:
    """The attempt's ``index``-th change (from 0), in a document of its own."""
    store.write_doc(f"{key}/{index:08d}.json", {"change": change})


def read_changes(store: ArtifactStore, key: str) -> list[dict[str, Any]]:
    """The changes written under ``key``, in the order they were made (none if there are
    none; a document that cannot be read ends the list there)."""
    found: list[dict[str, Any]] = []
    for name in sorted(store.list_keys(key)):
        doc = store.read_doc(name)
        change = doc.get("change") if doc else None
        if not isinstance(change, dict):
            break
        found.append(change)
    return found
