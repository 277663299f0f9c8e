"""``add_tags``/``remove_tags`` on runs, pipelines and artifacts, as ZenML 0.98 does them.

``add_tags(tags, run=...)`` (an id, a name or a prefix), ``pipeline=...`` and
``artifact=...`` (the artifact itself, not its versions: ZenML's ``artifact.tags``) tag
outside a step; with no target, inside a step, the step's own run is tagged. The run store keeps
them (dagwell.store.tags). An attempt never writes the run store: what a step tags is
carried in its result manifest and recorded by the orchestrator when the attempt ends,
whether it ended well or not; each change is also written at the call beside that result
(dagwell.artifact_store.tag_journal), for an attempt that dies before it leaves one. A Tag
whose ``exclusive=`` is not the tag's is refused at the call, as ZenML does, from the tags
the orchestrator handed the attempt. A hook runs in the orchestrator's process and tags at
once.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from dagwell.api.tags import Tags, refuse_cascade, refuse_mismatch, tag_specs
from dagwell.core.context import StepInfo


def change(
    call: str,
    tags: Tags,
    client: Any,
    info: StepInfo | None,
    *,
    pipeline: str | None = None,
    run: str | None = None,
    artifact: str | None = None,
) -> None:
    """Put ``tags`` on (``call`` "add_tags") or take them off ("remove_tags") the
    ``pipeline`` or ``artifact`` (a name), the ``run``, or else the running step's run."""
    where = f"{call}(tags=...)"
    refuse_cascade(tags, where)
    specs = tag_specs(tags, where)
    if pipeline is not None or artifact is not None:
        if pipeline is not None:
            kind, target, scope = "pipeline", client.get_pipeline(str(pipeline)).name, None
        else:
            kind, target, scope = "artifact", client.get_artifact(str(artifact)).name, None
        exclusive = [s["name"] for s in specs if s["exclusive"]]
        if exclusive and call == "add_tags":
            raise ValueError(
                f"Can not attach exclusive tag `{exclusive[0]}` to a {kind}: exclusive "
                "tags are for pipeline runs (one run of each pipeline carries one); tag the "
                "run with add_tags(tags=..., run=...) instead."
            )
    elif run is not None:
        found = client.get_pipeline_run(str(run))
        kind, target, scope = "run", found.id, str(found.pipeline)
    else:
        assert info is not None
        kind, target, scope = "run", info.run_id, info.pipeline
    adding = call == "add_tags"
    doc = {
        "kind": kind,
        "id": target,
        "scope": scope,
        "add": specs if adding else [],
        "remove": [] if adding else [s["name"] for s in specs],
    }
    if info is not None and not info.in_hook:  # an attempt: the orchestrator records it
        if adding:
            _refuse_other_exclusive(specs, info)
        info.tag_changes.append(doc)
        _journal(client, info)
        return
    from dagwell.store.tags import ChangeTags, TagSpec

    op = ChangeTags(
        kind,
        target,
        scope,
        time.time(),
        add=tuple(TagSpec.from_json(s) for s in doc["add"]),
        remove=tuple(doc["remove"]),
    )
    client.store().write([op])


def _refuse_other_exclusive(specs: list[dict[str, Any]], info: StepInfo) -> None:
    """ZenML's check at the call (client.py ``attach_tag``): a Tag whose ``exclusive`` is
    not the existing tag's is refused. An attempt knows the tags the orchestrator handed
    it (engine.known_tags) and those it tagged with itself."""
    known = dict(info.context.get("known_tags") or {})
    for change in info.tag_changes:
        for made in change.get("add") or []:
            known.setdefault(made["name"], bool(made["exclusive"]))
    for spec in specs:
        refuse_mismatch(spec["name"], spec["exclusive"], known.get(spec["name"]))


def _journal(client: Any, info: StepInfo) -> None:
    """Write the attempt's newest change where the orchestrator finds it if the attempt
    dies. A store that cannot take it (a full disk, an object store's error) fails
    nothing: it still rides on the attempt's result, and that result meets the same store."""
    from dagwell.artifact_store.tag_journal import journal_key, write_change

    key = journal_key(info.run_id, info.step_id, info.attempt)
    index = len(info.tag_changes) - 1
    with contextlib.suppress(Exception):
        write_change(client.artifacts(info.artifact_store), key, index, info.tag_changes[-1])
