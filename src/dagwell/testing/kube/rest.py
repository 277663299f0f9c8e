"""A small Kubernetes REST client over the standard library, for the test harness.

The harness's kubelet and control plane must speak to any API server (the real
kube-apiserver over TLS with a bearer token, or a plain-HTTP proxy), and they must not use
lightkube: that is the product's client, imported in one module only
(``dagwell.kubernetes.api``), and the harness is what checks it. A connection per request
keeps it thread-safe; on loopback that costs about a millisecond.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlparse

Obj = dict[str, Any]


class RestError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Kubernetes API error {code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Rest:
    """``url`` (https://127.0.0.1:PORT or http://...), a bearer ``token``, the ``ca`` file."""

    url: str
    token: str | None = None
    ca: str | None = None
    timeout: float = 30.0
    _context: ssl.SSLContext | None = field(default=None, repr=False)

    def _connection(self, timeout: float | None) -> http.client.HTTPConnection:
        parsed = urlparse(self.url)
        host, port = parsed.hostname or "127.0.0.1", parsed.port
        if parsed.scheme == "https":
            if self._context is None:
                self._context = ssl.create_default_context(cafile=self.ca)
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=self._context)
        return http.client.HTTPConnection(host, port, timeout=timeout)

    def _headers(self, content_type: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Obj:
        """The decoded JSON answer; RestError for any status >= 400."""
        target = path + ("?" + urlencode(dict(query)) if query else "")
        data = None if body is None else json.dumps(body).encode()
        conn = self._connection(self.timeout)
        try:
            conn.request(method, target, data, self._headers(content_type if data else None))
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        text = raw.decode(errors="replace")
        if response.status >= 400:
            message = text
            with contextlib.suppress(ValueError, AttributeError):
                message = json.loads(text).get("message") or text
            raise RestError(response.status, message)
        if not text.strip():
            return {}
        try:
            decoded = json.loads(text)
        except ValueError:
            return {"text": text}
        return decoded if isinstance(decoded, dict) else {"value": decoded}

    def get(self, path: str, **query: str) -> Obj:
        return self.request("GET", path, query=query or None)

    def create(self, path: str, obj: Obj) -> Obj:
        return self.request("POST", path, obj)

    def merge_patch(self, path: str, patch: Obj) -> Obj:
        return self.request("PATCH", path, patch, content_type="application/merge-patch+json")

    def delete(self, path: str, grace: int | None = None, uid: str | None = None) -> Obj | None:
        """Delete; None when it is already gone."""
        body: Obj = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if grace is not None:
            body["gracePeriodSeconds"] = grace
        if uid is not None:
            body["preconditions"] = {"uid": uid}
        try:
            return self.request("DELETE", path, body)
        except RestError as error:
            if error.code == 404:
                return None
            raise

    def watch(self, path: str, resource_version: str, stream: WatchStream) -> Iterator[Obj]:
        """Watch events (dicts with ``type`` and ``object``) from ``resource_version`` until
        the server ends the stream or ``stream.close()`` is called from another thread."""
        query = {
            "watch": "true",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "false",
            "timeoutSeconds": "600",
        }
        conn = self._connection(None)
        stream.attach(conn)
        try:
            conn.request("GET", f"{path}?{urlencode(query)}", None, self._headers(None))
            response = conn.getresponse()
            if response.status >= 400:
                raise RestError(response.status, response.read().decode(errors="replace"))
            while not stream.closed:
                line = response.readline()
                if not line:
                    return
                if line.strip():
                    yield json.loads(line)
        except (OSError, http.client.HTTPException, ValueError):
            if stream.closed:
                return
            raise
        finally:
            conn.close()


class WatchStream:
    """A handle that ends a blocked watch from another thread."""

    def __init__(self) -> None:
        self.closed = False
        self._conn: http.client.HTTPConnection | None = None

    def attach(self, conn: http.client.HTTPConnection) -> None:
        self._conn = conn

    def close(self) -> None:
        self.closed = True
        conn = self._conn
        if conn is not None and conn.sock is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
