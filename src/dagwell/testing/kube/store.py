"""The fake API server's object store: resourceVersions, events and watches.

Every write bumps one cluster-wide resourceVersion and appends an event; watches replay
events after the version they start from, or get ``410 Gone`` when that version was
compacted away, as the real API server does.
"""

from __future__ import annotations

import copy
import datetime
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dagwell.testing.kube.selectors import parse_selector

Obj = dict[str, Any]
Key = tuple[str, str, str]  # (resource, namespace or "", name)


class ApiFailure(Exception):
    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message

    def status(self) -> Obj:
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }


def now_iso() -> str:
    return datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Event:
    rv: int
    type: str
    resource: str
    namespace: str
    obj: Obj


@dataclass
class ObjectStore:
    max_events: int = 5000
    cond: threading.Condition = field(default_factory=threading.Condition)
    rv: int = 1
    objects: dict[Key, Obj] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    compacted: int = 0
    generation: int = 0  # bumped to end every open watch (dropped connections, compaction)

    def _stamp(self, obj: Obj) -> None:
        self.rv += 1
        obj.setdefault("metadata", {})["resourceVersion"] = str(self.rv)

    def _emit(self, kind: str, resource: str, namespace: str, obj: Obj) -> None:
        self.events.append(Event(self.rv, kind, resource, namespace, copy.deepcopy(obj)))
        if len(self.events) > self.max_events:
            dropped = self.events[: len(self.events) - self.max_events]
            self.events = self.events[len(dropped) :]
            self.compacted = dropped[-1].rv
        self.cond.notify_all()

    def create(self, resource: str, namespace: str, obj: Obj) -> Obj:
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        name = meta.get("name")
        if not name:
            raise ApiFailure(422, "Invalid", f"{resource}: metadata.name is required")
        with self.cond:
            key = (resource, namespace, name)
            if key in self.objects:
                raise ApiFailure(409, "AlreadyExists", f'{resource} "{name}" already exists')
            meta.update(uid=str(uuid.uuid4()), creationTimestamp=now_iso())
            if namespace:
                meta["namespace"] = namespace
            self._stamp(obj)
            self.objects[key] = obj
            self._emit("ADDED", resource, namespace, obj)
            return copy.deepcopy(obj)

    def get(self, resource: str, namespace: str, name: str) -> Obj:
        with self.cond:
            obj = self.objects.get((resource, namespace, name))
            if obj is None:
                raise ApiFailure(404, "NotFound", f'{resource} "{name}" not found')
            return copy.deepcopy(obj)

    def list(
        self, resource: str, namespace: str | None, selector: str | None = None
    ) -> tuple[list[Obj], int]:
        match = parse_selector(selector)
        with self.cond:
            items = [
                copy.deepcopy(o)
                for (r, ns, _), o in self.objects.items()
                if r == resource
                and (namespace is None or ns == namespace)
                and match((o.get("metadata") or {}).get("labels") or {})
            ]
            return items, self.rv

    def modify(
        self, resource: str, namespace: str, name: str, change: Callable[[Obj], None]
    ) -> Obj:
        with self.cond:
            key = (resource, namespace, name)
            current = self.objects.get(key)
            if current is None:
                raise ApiFailure(404, "NotFound", f'{resource} "{name}" not found')
            updated = copy.deepcopy(current)
            change(updated)
            if updated == current:
                return updated
            self._stamp(updated)
            self.objects[key] = updated
            self._emit("MODIFIED", resource, namespace, updated)
            return copy.deepcopy(updated)

    def remove(self, resource: str, namespace: str, name: str) -> Obj | None:
        with self.cond:
            obj = self.objects.pop((resource, namespace, name), None)
            if obj is None:
                return None
            self._stamp(obj)
            self._emit("DELETED", resource, namespace, obj)
            return copy.deepcopy(obj)

    def compact(self) -> None:
        """Events happened that every watcher missed, and were compacted away: watches
        resuming from any version seen so far get 410 Gone."""
        with self.cond:
            self.rv += 1
            self.compacted = self.rv
            self.events.clear()
            self.generation += 1
            self.cond.notify_all()

    def break_watches(self) -> None:
        with self.cond:
            self.generation += 1
            self.cond.notify_all()

    def check_since(self, since: str | None) -> None:
        """Raise 410 Gone if a watch from ``since`` cannot be served any more."""
        if since in (None, "", "0"):
            return
        with self.cond:
            if int(str(since)) < self.compacted:
                raise ApiFailure(
                    410, "Expired", f"too old resource version: {since} ({self.compacted})"
                )

    def watch(
        self,
        resource: str,
        namespace: str,
        selector: str | None,
        since: str | None,
        deadline: float,
    ) -> Iterator[tuple[str, Obj]]:
        """Yield (type, object) events; raises ApiFailure(410) if ``since`` is compacted."""
        import time

        match = parse_selector(selector)

        def wanted(e: Event) -> bool:
            labels = (e.obj.get("metadata") or {}).get("labels") or {}
            return e.resource == resource and e.namespace == namespace and match(labels)

        with self.cond:
            generation = self.generation
            if since in (None, "", "0"):
                position = self.rv
                initial = [
                    ("ADDED", copy.deepcopy(o))
                    for (r, ns, _), o in self.objects.items()
                    if r == resource
                    and ns == namespace
                    and match((o.get("metadata") or {}).get("labels") or {})
                ]
            else:
                position = int(str(since))
                if position < self.compacted:
                    raise ApiFailure(
                        410, "Expired", f"too old resource version: {position} ({self.compacted})"
                    )
                initial = []
        yield from initial
        while True:
            with self.cond:
                pending = [e for e in self.events if e.rv > position and wanted(e)]
                if not pending:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or self.generation != generation:
                        return
                    self.cond.wait(min(remaining, 0.5))
                    if self.generation != generation:
                        return
                    continue
                position = max(e.rv for e in self.events if e.rv > position)
            for event in pending:
                yield event.type, event.obj
