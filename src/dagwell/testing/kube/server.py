"""A fake Kubernetes API server over real HTTP, for the calls dagwell makes.

Pods (create, get, list, watch, patch, delete, log), nodes and resource quotas, with label
selectors, resourceVersions, finalizers and graceful deletion, and fault injection: an
error status for the next N matching requests (409, 429 with Retry-After, 5xx), dropped
connections, dropped watch streams, and compaction so that resumed watches get 410.
Any HTTP client works against it; dagwell's own tests drive it with lightkube, the client
the product ships.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from dagwell.testing.kube.proxy import Fault
from dagwell.testing.kube.store import ApiFailure, Obj, ObjectStore, now_iso

_PATHS = [
    (re.compile(r"^/api/v1/namespaces/([^/]+)/pods/([^/]+)/log$"), "pods", "log"),
    (re.compile(r"^/api/v1/namespaces/([^/]+)/pods/([^/]+)$"), "pods", "item"),
    (re.compile(r"^/api/v1/namespaces/([^/]+)/pods$"), "pods", "collection"),
    (re.compile(r"^/api/v1/namespaces/([^/]+)/resourcequotas$"), "resourcequotas", "collection"),
    (re.compile(r"^/api/v1/namespaces/([^/]+)/secrets/([^/]+)$"), "secrets", "item"),
    (re.compile(r"^/api/v1/namespaces/([^/]+)/secrets$"), "secrets", "collection"),
    (re.compile(r"^/apis/batch/v1/namespaces/([^/]+)/jobs/([^/]+)$"), "jobs", "item"),
    (re.compile(r"^/apis/batch/v1/namespaces/([^/]+)/jobs$"), "jobs", "collection"),
    (
        re.compile(r"^/apis/batch/v1(?:beta1)?/namespaces/([^/]+)/cronjobs/([^/]+)$"),
        "cronjobs",
        "item",
    ),
    (
        re.compile(r"^/apis/batch/v1(?:beta1)?/namespaces/([^/]+)/cronjobs$"),
        "cronjobs",
        "collection",
    ),
    (re.compile(r"^/api/v1/nodes/([^/]+)$"), "nodes", "item"),
    (re.compile(r"^/api/v1/nodes$"), "nodes", "collection"),
]
LIST_KINDS = {
    "pods": "PodList",
    "nodes": "NodeList",
    "resourcequotas": "ResourceQuotaList",
    "secrets": "SecretList",
    "jobs": "JobList",
    "cronjobs": "CronJobList",
}
API_VERSIONS = {"jobs": "batch/v1", "cronjobs": "batch/v1"}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch (also used for strategic merge: lists are replaced)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(target: Obj, ops: list[dict[str, Any]]) -> Obj:
    """The RFC 6902 operations dagwell might send: add, remove, replace."""
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent: Any = target
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]
        last = parts[-1]
        if op["op"] == "remove":
            del parent[int(last) if isinstance(parent, list) else last]
        elif isinstance(parent, list):
            if last == "-":
                parent.append(op["value"])
            elif op["op"] == "add":
                parent.insert(int(last), op["value"])
            else:
                parent[int(last)] = op["value"]
        else:
            parent[last] = op["value"]
    return target


@dataclass
class FakeApiServer:
    """Start with ``start()``; ``url`` is then the API endpoint."""

    store: ObjectStore = field(default_factory=ObjectStore)
    faults: list[Fault] = field(default_factory=list)
    requests: list[list[Any]] = field(default_factory=list)  # [method, path, status]
    logs: Callable[[str, str], str] = lambda namespace, name: ""
    may_remove: Callable[[Obj], bool] = lambda pod: True  # the kubelet says when
    _http: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._http is not None
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def start(self) -> FakeApiServer:
        server = self

        class Handler(_Handler):
            api = server

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, daemon=True, name="fake-kube-api").start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self.store.break_watches()
            self._http.shutdown()
            self._http.server_close()

    def inject(self, fault: Fault) -> None:
        self.faults.append(fault)

    def count(self, method: str, path_regex: str, status: int | None = None) -> int:
        return sum(
            1
            for m, p, s in self.requests
            if m == method and re.search(path_regex, p) and (status is None or s == status)
        )

    # -- pod semantics ---------------------------------------------------------------------
    def delete_pod(self, namespace: str, name: str, grace: int | None) -> Obj:
        pod = self.store.get("pods", namespace, name)
        meta = pod["metadata"]
        if not meta.get("finalizers") and self.may_remove(pod):
            removed = self.store.remove("pods", namespace, name)
            return removed or pod
        if meta.get("deletionTimestamp"):
            return pod

        def mark(obj: Obj) -> None:
            obj["metadata"]["deletionTimestamp"] = now_iso()
            obj["metadata"]["deletionGracePeriodSeconds"] = 30 if grace is None else grace

        return self.store.modify("pods", namespace, name, mark)

    def finish_deletion_if_possible(self, namespace: str, name: str) -> None:
        """Remove a deleted pod once its finalizers are gone and its kubelet is done."""
        try:
            pod = self.store.get("pods", namespace, name)
        except ApiFailure:
            return
        meta = pod["metadata"]
        if meta.get("deletionTimestamp") and not meta.get("finalizers") and self.may_remove(pod):
            self.store.remove("pods", namespace, name)

    def delete(self, resource: str, namespace: str, name: str, grace: int | None) -> Obj:
        if resource == "pods":
            return self.delete_pod(namespace, name, grace)
        obj = self.store.get(resource, namespace, name)
        self.store.remove(resource, namespace, name)
        if resource == "jobs":  # cascading deletion (the garbage collector's work)
            uid = obj["metadata"]["uid"]
            pods, _ = self.store.list("pods", namespace, f"controller-uid={uid}")
            for pod in pods:
                self.delete_pod(namespace, pod["metadata"]["name"], grace)
        return obj

    def patch(self, resource: str, namespace: str, name: str, body: Any, content_type: str) -> Obj:
        def apply(obj: Obj) -> None:
            patched = (
                json_patch(obj, body) if "json-patch" in content_type else merge_patch(obj, body)
            )
            obj.clear()
            obj.update(patched)

        result = self.store.modify(resource, namespace, name, apply)
        if resource == "pods":
            self.finish_deletion_if_possible(namespace, name)
        return result


class _Handler(BaseHTTPRequestHandler):
    api: FakeApiServer

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _send(
        self,
        code: int,
        body: Any,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def _dispatch(self, method: str) -> None:
        parsed = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        status = 200
        record: list[Any] = [method, parsed.path, None]  # status filled in when answered
        self.api.requests.append(record)
        try:
            for fault in self.api.faults:
                if fault.matches(method, parsed.path):
                    fault.count -= 1
                    if fault.drop:
                        status = -1
                        with contextlib.suppress(OSError):
                            self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    headers = (
                        {"Retry-After": str(int(fault.retry_after))}
                        if fault.retry_after is not None
                        else None
                    )
                    status = fault.status
                    self._send(
                        status,
                        ApiFailure(status, "Injected", f"injected fault {status}").status(),
                        headers=headers,
                    )
                    return
            status = self._route(method, parsed.path, query)
        except ApiFailure as failure:
            status = failure.code
            self._send(failure.code, failure.status())
        except (BrokenPipeError, ConnectionResetError):
            status = -1
        finally:
            record[2] = status

    def _route(self, method: str, path: str, query: dict[str, str]) -> int:
        if path == "/version":
            self._send(200, {"major": "1", "minor": "31", "gitVersion": "v1.31.0-dagwell-fake"})
            return 200
        for pattern, resource, shape in _PATHS:
            match = pattern.match(path)
            if match is None:
                continue
            groups = match.groups()
            namespace = groups[0] if resource != "nodes" else ""
            name = (
                groups[-1] if shape in ("item", "log") and (resource != "nodes" or groups) else None
            )
            if resource == "nodes" and shape == "item":
                name = groups[0]
            return self._serve(method, resource, shape, namespace, name, query)
        raise ApiFailure(
            404, "NotFound", f"the server could not find the requested resource ({method} {path})"
        )

    def _serve(
        self,
        method: str,
        resource: str,
        shape: str,
        namespace: str,
        name: str | None,
        query: dict[str, str],
    ) -> int:
        store = self.api.store
        if shape == "log":
            self._send(200, self.api.logs(namespace, name or ""), "text/plain")
            return 200
        if shape == "collection":
            if method == "POST":
                body = self._body()
                if resource == "pods":
                    body.setdefault("status", {"phase": "Pending"})
                self._send(201, store.create(resource, namespace, body))
                return 201
            if query.get("watch") in ("true", "1"):
                self._watch(resource, namespace, query)
                return 200
            items, rv = store.list(
                resource, namespace if resource != "nodes" else "", query.get("labelSelector")
            )
            self._send(
                200,
                {
                    "kind": LIST_KINDS[resource],
                    "apiVersion": API_VERSIONS.get(resource, "v1"),
                    "metadata": {"resourceVersion": str(rv)},
                    "items": items,
                },
            )
            return 200
        assert name is not None
        if method == "GET":
            self._send(200, store.get(resource, namespace, name))
        elif method == "PATCH":
            self._send(
                200,
                self.api.patch(
                    resource, namespace, name, self._body(), self.headers.get("Content-Type") or ""
                ),
            )
        elif method == "DELETE":
            grace = query.get("gracePeriodSeconds")
            body = self._body() if int(self.headers.get("Content-Length") or 0) else None
            if grace is None and isinstance(body, dict):
                grace = body.get("gracePeriodSeconds")
            self._send(
                200,
                self.api.delete(resource, namespace, name, None if grace is None else int(grace)),
            )
        else:
            raise ApiFailure(405, "MethodNotAllowed", f"{method} is not supported here")
        return 200

    def _watch(self, resource: str, namespace: str, query: dict[str, str]) -> None:
        timeout = float(query.get("timeoutSeconds") or 300)
        deadline = time.monotonic() + timeout
        since = query.get("resourceVersion")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        try:
            try:
                self.api.store.check_since(since)
            except ApiFailure as failure:  # the real server answers 200 and an ERROR event
                self._line("ERROR", failure.status())
                return
            for kind, obj in self.api.store.watch(
                resource, namespace, query.get("labelSelector"), since, deadline
            ):
                self._line(kind, obj)
        except (BrokenPipeError, ConnectionResetError):
            return

    def _line(self, kind: str, obj: Obj) -> None:
        self.wfile.write(json.dumps({"type": kind, "object": obj}).encode() + b"\n")
        self.wfile.flush()

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")
