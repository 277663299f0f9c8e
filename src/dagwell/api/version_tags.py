"""Tagging an existing artifact version, with ZenML 0.98's exclusive tags.

ZenML keeps an exclusive tag on one version of each artifact: put on a version, it leaves
the artifact's other versions (measured: ``add_tags(tags=[Tag("best", exclusive=True)],
artifact_version_id=v2)`` takes it off v1). A version's tags are names in the artifact
registry (dagwell.artifact_store.registry); whether a tag is exclusive, and its color, are
the run store's (dagwell.store.tags), where a ``Tag(exclusive=True)`` or a ``Tag(color=)``
given here makes the tag. A ``Tag`` whose ``exclusive=`` is not the tag's is refused, with
ZenML's words. This is for tagging outside a step (``add_tags(artifact_version_id=...)``,
``artifact_name=`` with ``artifact_version=``, ``update_artifact_version(add_tags=)``);
inside a step an exclusive ``Tag`` for an output is refused where it is given.
"""

from __future__ import annotations

import time
from typing import Any

from dagwell.api.tags import Tags, refuse_mismatch, tag_specs


def attach(client: Any, version_id: str, tags: Tags, call: str) -> None:
    """Put ``tags`` on the artifact version ``version_id``; an exclusive one leaves the
    artifact's other versions."""
    from dagwell.artifact_store import registry

    specs = tag_specs(tags, f"{call}(tags=...)")
    recorded = {r["name"]: bool(r["exclusive"]) for r in client.store().tag_rows()}
    exclusive: list[str] = []
    for spec in specs:
        name, given = spec["name"], spec["exclusive"]
        kind = recorded.get(name)
        refuse_mismatch(name, given, kind)
        if kind is None and (given or spec["color"] is not None):
            client.store().create_tag(name, bool(given), time.time(), spec["color"])
            kind = bool(given)
        if kind:
            exclusive.append(name)
    store = client.artifacts()
    if exclusive:
        artifact = client.get_artifact_version(version_id).name
        for other in client.list_artifact_versions(name=artifact, size=2**31 - 1):
            held = [t.name for t in other.tags if t.name in exclusive]
            if other.id != version_id and held:
                registry.remove_tags(store, other.id, held)
    registry.add_tags(store, version_id, [s["name"] for s in specs])


def exclusive_on_versions(client: Any, name: str) -> None:
    """ZenML's check before a tag is made exclusive: no artifact has two versions with
    it (ValueError naming the artifact)."""
    counts: dict[str, int] = {}
    for version in client.list_artifact_versions(size=2**31 - 1):
        if any(t.name == name for t in version.tags):
            counts[version.name] = counts.get(version.name, 0) + 1
    doubled = sorted(a for a, n in counts.items() if n > 1)
    if doubled:
        raise ValueError(
            f"Tag `{name}` can not be made exclusive: more than one version of artifact "
            f"{doubled[0]!r} has it. Remove it from all but one (remove_tags(tags=..., "
            "artifact_version_id=...))."
        )
