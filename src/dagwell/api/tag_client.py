"""ZenML's Client tag methods: ``create_tag``, ``get_tag``, ``list_tags``, ``update_tag``,
and the tags= of ``update_artifact``/``update_artifact_version``.

The run store keeps a tag of runs, pipelines and artifacts as an entity (with whether it
is exclusive and its color: dagwell.store.tags); an artifact version's tags are names in
the artifact registry, never made exclusive (their color is their name's until one is
given with ``update_tag``, which records the tag in the run store). So a tag is the
store's, or else a plain one that some artifact version carries; ``list_tags`` lists
both, each name once.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from dagwell.api import version_tags
from dagwell.api.list_filters import PAGE_SIZE_DEFAULT, Page, select
from dagwell.api.tags import Tag as TagSpec
from dagwell.core.errors import EntityExistsError
from dagwell.core.records import Tag, to_datetime
from dagwell.core.tag_colors import tag_color

#: ZenML's TaggableResourceTypes of what the run store tags.
_RESOURCE_TYPES = {"run": "pipeline_run", "pipeline": "pipeline", "artifact": "artifact"}


class TagResponse(Tag):
    """ZenML's TagResponse: ``.name``, ``.exclusive``, ``.id`` (the name), ``.created``;
    and what it is on (ZenML's resource types), which ``list_tags(resource_type=)`` reads."""

    _on: set[str]
    created: datetime | None

    def __init__(
        self, name: str, exclusive: bool, created: float | None, color: str | None = None
    ) -> None:
        super().__init__(name, exclusive, color)
        object.__setattr__(self, "created", to_datetime(created))
        object.__setattr__(self, "_on", set())


def _every(client: Any) -> dict[str, TagResponse]:
    """Every tag: the run store's, then those only artifact versions, models and model
    versions (kept in the artifact registry) carry, as plain ones."""
    from dagwell.artifact_store.registry import get_model, model_names, model_versions

    found = {
        r["name"]: TagResponse(r["name"], bool(r["exclusive"]), r["created_at"], r["color"])
        for r in client.store().tag_rows()
    }
    for name, on in client.store().tag_kinds().items():
        found[name]._on.update(_RESOURCE_TYPES[k] for k in on)

    def carried(tags: Any, kind: str, created: Any) -> None:
        for tag in tags:
            name = getattr(tag, "name", tag)
            found.setdefault(name, TagResponse(name, False, created))._on.add(kind)

    for version in client.list_artifact_versions(size=2**31 - 1):
        created = version.created.timestamp() if version.created else None
        carried(version.tags, "artifact_version", created)
    store = client.artifacts()
    for model in model_names(store):
        versions = sorted(model_versions(store, model), key=lambda d: d.get("created") or 0)
        first = versions[0].get("created") if versions else None
        carried(get_model(store, model).get("tags") or [], "model", first)
        for doc in versions:
            carried(doc.get("tags") or [], "model_version", doc.get("created"))
    return found


def create_tag(client: Any, name: str, exclusive: bool = False, color: Any = None) -> TagResponse:
    spec = TagSpec(name=name, exclusive=exclusive, color=color)  # (checks name and color)
    if spec.name in _every(client) or not client.store().create_tag(
        spec.name, bool(exclusive), time.time(), spec.color
    ):
        raise EntityExistsError(
            f"A tag named {name!r} exists already; use Client().get_tag({name!r})."
        )
    return get_tag(client, spec.name)


def get_tag(client: Any, tag_name_or_id: str) -> TagResponse:
    found = _every(client).get(str(tag_name_or_id))
    if found is None:
        raise KeyError(
            f"No tag named {str(tag_name_or_id)!r}: tags are made by add_tags(...), "
            "@pipeline(tags=...), a version's tags= or Client().create_tag(...)."
        )
    return found


def update_tag(
    client: Any, tag_name_or_id: str, name: str | None = None, exclusive: bool | None = None,
    color: Any = None,
) -> TagResponse:  # fmt: skip
    """ZenML's: a tag made exclusive or not, or given another ``color``."""
    found = get_tag(client, tag_name_or_id)
    _refuse_renames("update_tag", "tags", name=name if name != found.name else None)
    new_color = tag_color(color, "update_tag(color=...)")
    if new_color is not None:
        created = found.created.timestamp() if found.created else time.time()
        if not client.store().create_tag(found.name, found.exclusive, created, new_color):
            client.store().set_tag_color(found.name, new_color)  # (else: only on versions)
    if exclusive is not None and bool(exclusive) != found.exclusive:
        if exclusive:  # (ZenML's check: one version of each artifact may have it)
            version_tags.exclusive_on_versions(client, found.name)
        created = found.created.timestamp() if found.created else time.time()
        client.store().create_tag(found.name, False, created)  # (one only versions carry)
        client.store().set_tag_exclusive(found.name, bool(exclusive))
    return get_tag(client, found.name)


def list_tags(
    client: Any, sort_by: str = "created", page: int = 1, size: int = PAGE_SIZE_DEFAULT,
    **filters: Any,
) -> Page:  # fmt: skip
    fields = {
        "name": lambda t: t.name,
        "id": lambda t: t.name,
        "exclusive": lambda t: t.exclusive,
        "color": lambda t: t.color.value,
        "created": lambda t: t.created,
        "resource_type": lambda t: t._on,
    }
    return select(
        list(_every(client).values()), "list_tags", fields, filters, sort_by=sort_by,
        page=page, size=size,
    )  # fmt: skip


def _refuse_renames(call: str, what: str = "recorded artifacts", **given: Any) -> None:
    asked = [k for k, v in given.items() if v is not None]
    if asked:
        raise ValueError(
            f"Client().{call}({asked[0]}=...): dagwell does not rename {what} (runs, "
            "versions and tag links name them); give a new name to what you make next."
        )


def update_artifact(
    client: Any, name: str, add_tags: Any = None, remove_tags: Any = None, **renames: Any
) -> Any:
    """ZenML's: the artifact's own tags changed (as add_tags/remove_tags(artifact=...))."""
    from dagwell.api import run_tags

    _refuse_renames("update_artifact", **renames)
    if add_tags:
        run_tags.change("add_tags", add_tags, client, None, artifact=name)
    if remove_tags:
        run_tags.change("remove_tags", remove_tags, client, None, artifact=name)
    return client.get_artifact(name)


def update_artifact_version(
    client: Any, name_id_or_prefix: str, version: Any = None, add_tags: Any = None,
    remove_tags: Any = None,
) -> Any:  # fmt: skip
    """ZenML's: a version's tags changed (by name and version, the newest, or its id)."""
    from dagwell.api.tags import tag_names
    from dagwell.artifact_store import registry

    found = client.get_artifact_version(name_id_or_prefix, version)
    if add_tags:
        version_tags.attach(client, found.id, add_tags, "update_artifact_version")
    if remove_tags:
        names = tag_names(remove_tags, "update_artifact_version(remove_tags=...)")
        registry.remove_tags(client.artifacts(), found.id, names)
    return client.get_artifact_version(found.id)
