"""Tags of runs, pipelines and artifacts in the run store, with ZenML 0.98's rules.

ZenML keeps a tag as an entity of its own and links it to what it tags
(zen_stores/sql_zen_store.py ``_attach_tags_to_resources``): a tag named the first time is
made, exclusive if it was given as ``Tag(exclusive=True)``; a ``Tag`` given again with
another ``exclusive=`` is refused, naming it; an exclusive tag put on a run leaves every
other run of the same pipeline. Removing a tag something lacks is no error. A change is
an op of a store batch (:class:`ChangeTags`), so a run's tags are recorded in the very
transaction that records the run, and an attempt's in the one that records its end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select

from dagwell.store import schema

#: The longest tag name the store keeps (its column's width).
NAME_MAX = 200


@dataclass(frozen=True)
class TagSpec:
    """A tag to put on something: its name, and ``exclusive`` as given (None: by name
    only, which takes the tag as it is, or makes a plain one)."""

    name: str
    exclusive: bool | None = None
    color: str | None = None  # kept when the tag is made (ZenML's), else the tag's stands

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "exclusive": self.exclusive, "color": self.color}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> TagSpec:
        exclusive = doc.get("exclusive")
        exclusive = None if exclusive is None else bool(exclusive)
        return cls(str(doc["name"]), exclusive, doc.get("color"))


@dataclass(frozen=True)
class ChangeTags:
    """Put ``add`` on (or take ``remove`` off) the ``kind`` ("run", "pipeline", "artifact") with
    ``resource_id``; ``scope`` is a run's pipeline, where an exclusive tag is one. With
    ``strict``, a Tag whose ``exclusive=`` differs from the recorded tag's raises
    ValueError (a user's call); else the recorded tag stands (an engine's write, which no
    user's mistake may fail)."""

    kind: str
    resource_id: str
    scope: str | None
    at: float
    add: tuple[TagSpec, ...] = ()
    remove: tuple[str, ...] = ()
    strict: bool = True


def _insert(conn: Connection, table: Any, keys: Sequence[str]) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=list(keys))


def _defined(conn: Connection, spec: TagSpec, at: float, strict: bool) -> bool:
    """Make the tag if it is new; whether it is exclusive."""
    t = schema.tags
    conn.execute(
        _insert(conn, t, ["name"]),
        {
            "name": spec.name,
            "exclusive": bool(spec.exclusive),
            "created_at": at,
            "color": spec.color,
        },
    )
    # The tag's row is locked for the rest of the transaction (PostgreSQL; SQLite has one
    # writer at a time): two writers putting an exclusive tag on two runs of a pipeline
    # would each delete the other's uncommitted link and both keep it, and a tag made
    # exclusive beside a writer that read it plain would end up on two runs.
    query = select(t.c.exclusive).where(t.c.name == spec.name).with_for_update()
    exclusive = bool(conn.execute(query).scalar())
    if strict and spec.exclusive is not None and spec.exclusive != exclusive:
        raise ValueError(
            f"Tag `{spec.name}` has been defined as "
            f"{'an exclusive' if exclusive else 'a non-exclusive'} tag. Please update it "
            f"before attaching it to resources, or give it by name: tags=[{spec.name!r}]."
        )
    return exclusive


def apply(conn: Connection, op: ChangeTags) -> None:
    links = schema.tag_links
    mine = (links.c.kind == op.kind) & (links.c.resource_id == op.resource_id)
    if op.remove:
        conn.execute(delete(links).where(mine & links.c.tag.in_(list(op.remove))))
    for spec in sorted(op.add, key=lambda spec: spec.name):  # rows locked in one order
        exclusive = _defined(conn, spec, op.at, op.strict)
        if exclusive and op.kind != "run":
            if op.strict:
                raise ValueError(
                    f"Can not attach exclusive tag `{spec.name}` to a {op.kind}: exclusive "
                    "tags are for pipeline runs (one run of each pipeline carries one)."
                )
            continue
        if exclusive:
            conn.execute(
                delete(links).where(
                    (links.c.tag == spec.name)
                    & (links.c.kind == "run")
                    & (links.c.scope == op.scope)
                    & (links.c.resource_id != op.resource_id)
                )
            )
        conn.execute(
            _insert(conn, links, ["tag", "kind", "resource_id"]),
            {
                "tag": spec.name,
                "kind": op.kind,
                "resource_id": op.resource_id,
                "scope": op.scope,
                "created_at": op.at,
            },
        )


def read(conn: Connection, kind: str, ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The tags on each of ``ids`` (``{"name", "exclusive"}``, in the order they were put
    on), for every id asked for."""
    links, t = schema.tag_links, schema.tags
    wanted = list(dict.fromkeys(ids))
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in wanted}
    for start in range(0, len(wanted), 500):  # bounded IN lists
        query = (
            select(links.c.resource_id, links.c.tag, t.c.exclusive, t.c.color)
            .select_from(links.join(t, t.c.name == links.c.tag))
            .where((links.c.kind == kind) & links.c.resource_id.in_(wanted[start : start + 500]))
            .order_by(links.c.created_at, links.c.tag)
        )
        for resource_id, name, exclusive, color in conn.execute(query):
            found[resource_id].append({"name": name, "exclusive": bool(exclusive), "color": color})
    return found


def create(conn: Connection, name: str, exclusive: bool, at: float, color: str | None) -> bool:
    """Make the tag; False when one of that name exists already (nothing changes). (Not
    the insert's rowcount: PostgreSQL's driver does not give 0 for a conflict here.)"""
    t = schema.tags
    if conn.execute(select(t.c.name).where(t.c.name == name)).first() is not None:
        return False
    conn.execute(
        _insert(conn, t, ["name"]),
        {"name": name, "exclusive": exclusive, "created_at": at, "color": color},
    )
    return True


def every(conn: Connection) -> list[dict[str, Any]]:
    """Every tag (``name``, ``exclusive``, ``created_at``, ``color``), oldest first."""
    t = schema.tags
    query = select(t.c.name, t.c.exclusive, t.c.created_at, t.c.color).order_by(
        t.c.created_at, t.c.name
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def kinds(conn: Connection) -> dict[str, set[str]]:
    """What each tag is on: the kinds ("run", "pipeline", "artifact") of its links."""
    links = schema.tag_links
    found: dict[str, set[str]] = {}
    for tag, kind in conn.execute(select(links.c.tag, links.c.kind).distinct()):
        found.setdefault(tag, set()).add(kind)
    return found


def set_exclusive(conn: Connection, name: str, exclusive: bool) -> None:
    """Make the tag exclusive or not; ZenML's check first: an exclusive tag may be on runs
    only, one of each pipeline (ValueError naming what holds it otherwise)."""
    links, t = schema.tag_links, schema.tags
    # Locked first, as _defined locks it: no writer attaches it meanwhile (see there).
    conn.execute(select(t.c.name).where(t.c.name == name).with_for_update())
    if exclusive:
        held = conn.execute(
            select(links.c.kind, links.c.scope, links.c.resource_id).where(links.c.tag == name)
        ).all()
        other = sorted({kind for kind, _scope, _id in held if kind != "run"})
        if other:
            raise ValueError(
                f"Tag `{name}` can not be made exclusive because it is on a {other[0]}; "
                "exclusive tags are for pipeline runs. Remove it there first."
            )
        scopes = [scope for _kind, scope, _id in held]
        doubled = sorted({s for s in scopes if scopes.count(s) > 1})
        if doubled:
            raise ValueError(
                f"Tag `{name}` can not be made exclusive: more than one run of pipeline "
                f"{doubled[0]!r} has it. Remove it from all but one (remove_tags(run=...))."
            )
    conn.execute(t.update().where(t.c.name == name).values(exclusive=exclusive))


def set_color(conn: Connection, name: str, color: str) -> None:
    """Give the tag ``color`` (ZenML's ``update_tag(color=)``)."""
    t = schema.tags
    conn.execute(t.update().where(t.c.name == name).values(color=color))
