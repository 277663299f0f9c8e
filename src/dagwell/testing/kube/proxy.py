"""A small HTTP proxy in front of a real API server, for the faults it cannot produce.

The client under test (dagwell, through lightkube) talks plain HTTP to the proxy; the proxy
forwards each request to the API server over TLS, unchanged (the client's bearer token
included), and streams watch responses line by line. It records every request
(``requests``: method, path, status; ``created``: the bodies of pod creations, as sent) and
injects faults: an error status for the next N matching requests (429 with Retry-After,
5xx), dropped connections (:class:`Fault` ``drop=True``), broken watch streams
(:meth:`break_watches`, :meth:`holding_watches`), and requests held in flight
(:class:`Hold`: the moment a client is in the middle of a call, for a test to kill it
there). A real 410 comes from the control plane itself (etcd compaction).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class Fault:
    """Fail the next ``count`` requests matching ``method`` and ``path`` (a regex)."""

    status: int = 500
    count: int = 1
    method: str | None = None
    path: str | None = None
    retry_after: float | None = None
    drop: bool = False  # close the connection without answering

    def matches(self, method: str, path: str) -> bool:
        return (
            self.count > 0
            and (self.method in (None, method))
            and (self.path is None or re.search(self.path, path) is not None)
        )


@dataclass
class Hold:
    """Hold the next request matching ``method`` and ``path`` (a regex) in flight: before
    the API server sees it (``answered=False``; then dropped, as a request whose client
    died before it was sent), or after the API server answered it, the answer kept from
    the client (``answered=True``: the change is made, the client does not know it).
    ``held`` is set while it is held; :meth:`release` (or ``timeout`` s) ends the hold,
    and the client's connection is closed either way. With ``late=True`` a request held
    before the API server saw it is delivered when the hold ends, its answer dropped: a
    request that lands after its client gave up on it (a slow webhook, a retried POST)."""

    method: str | None = None
    path: str | None = None
    answered: bool = False
    late: bool = False
    timeout: float = 60.0
    taken: bool = False
    held: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def matches(self, method: str, path: str) -> bool:
        return (
            not self.taken
            and (self.method in (None, method))
            and (self.path is None or re.search(self.path, path) is not None)
        )

    def release(self) -> None:
        self.released.set()

    def _keep(self) -> None:
        self.held.set()
        self.released.wait(self.timeout)


@dataclass
class FaultProxy:
    upstream: str  # https://127.0.0.1:PORT
    ca: str | None = None
    faults: list[Fault] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    requests: list[list[Any]] = field(default_factory=list)  # [method, path, status]
    created: list[dict[str, Any]] = field(default_factory=list)  # pod bodies POSTed
    _streams: set[socket.socket] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _watches_open: threading.Event = field(default_factory=threading.Event)
    _hold_seconds: float = 30.0
    _breaks: int = 0  # how many times the streams were broken: a stream opened before a
    # break but established after it (in flight meanwhile) is broken when it is established
    _http: ThreadingHTTPServer | None = None
    _context: ssl.SSLContext | None = None

    @property
    def url(self) -> str:
        assert self._http is not None
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def start(self) -> FaultProxy:
        proxy = self
        self._watches_open.set()
        self._context = ssl.create_default_context(cafile=self.ca)

        class Handler(_Handler):
            owner = proxy

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, daemon=True, name="kube-proxy").start()
        return self

    def stop(self) -> None:
        self.break_watches()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def hold(self, hold: Hold) -> Hold:
        with self._lock:
            self.holds.append(hold)
        return hold

    def break_watches(self) -> None:
        """End every watch stream now, as a load balancer or an apiserver restart does."""
        with self._lock:
            self._breaks += 1
            streams = list(self._streams)
        for sock in streams:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    @contextlib.contextmanager
    def holding_watches(self, timeout: float = 30.0) -> Iterator[None]:
        """Break every watch stream and hold new watches until the block ends (at most
        ``timeout`` s later), so that nothing the client sees moves while the block changes
        the server (a compaction: the client then resumes from a version older than it)."""
        self._hold_seconds = timeout
        self._watches_open.clear()
        self.break_watches()
        try:
            yield
        finally:
            self._watches_open.set()

    def count(self, method: str, path_regex: str, status: int | None = None) -> int:
        with self._lock:
            return sum(
                1
                for m, p, s in self.requests
                if m == method and re.search(path_regex, p) and (status is None or s == status)
            )

    def _fault_for(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    return fault
        return None

    def _hold_for(self, method: str, path: str) -> Hold | None:
        with self._lock:
            for hold in self.holds:
                if hold.matches(method, path):
                    hold.taken = True
                    return hold
        return None

    def _upstream(self) -> http.client.HTTPConnection:
        parsed = urlparse(self.upstream)
        host, port = parsed.hostname or "127.0.0.1", parsed.port
        if parsed.scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=None, context=self._context)
        return http.client.HTTPConnection(host, port, timeout=None)


class _Handler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _answer(self, code: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(code)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _proxy(self) -> None:
        owner = self.owner
        path = urlparse(self.path).path
        record: list[Any] = [self.command, path, None]
        with owner._lock:
            owner.requests.append(record)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        hold = owner._hold_for(self.command, path)
        if hold is not None and not hold.answered:
            hold._keep()
            record[2] = -1
            self._hang_up()
            if hold.late:
                self._deliver_late(body)
            return
        fault = owner._fault_for(self.command, path)
        if fault is not None:
            record[2] = -1 if fault.drop else fault.status
            if fault.drop:
                self._hang_up()
                return
            status = {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "message": f"injected fault {fault.status}",
                "reason": "InternalError" if fault.status >= 500 else "TooManyRequests",
                "code": fault.status,
            }
            headers = {"Content-Type": "application/json"}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(int(fault.retry_after))
            self._answer(fault.status, json.dumps(status).encode(), headers)
            return
        if "watch=true" in self.path:
            owner._watches_open.wait(owner._hold_seconds)
        with owner._lock:
            breaks = owner._breaks
        if self.command == "POST" and re.search(r"/pods$", path) and body:
            with contextlib.suppress(ValueError), owner._lock:
                owner.created.append(json.loads(body))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
        upstream = owner._upstream()
        try:
            upstream.request(self.command, self.path, body, headers)
            response = upstream.getresponse()
            record[2] = response.status
            passed = {k: v for k, v in response.getheaders() if k.lower() not in _HOP}
            if "watch=true" in self.path or "follow=true" in self.path:
                self._stream(response, passed, upstream, breaks)
            elif hold is not None:  # answered upstream, never to this client
                response.read()
                hold._keep()
                self._hang_up()
            else:
                self._answer(response.status, response.read(), passed)
        except (OSError, http.client.HTTPException):
            record[2] = -1
            self._hang_up()
        finally:
            upstream.close()

    def _deliver_late(self, body: bytes | None) -> None:
        """Send the held request to the API server now; its client is gone."""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
        upstream = self.owner._upstream()
        try:
            upstream.request(self.command, self.path, body, headers)
            upstream.getresponse().read()
        except (OSError, http.client.HTTPException):
            pass
        finally:
            upstream.close()

    def _hang_up(self) -> None:
        """Close the client's connection without (more of) an answer."""
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def _stream(
        self,
        response: http.client.HTTPResponse,
        headers: dict[str, str],
        upstream: http.client.HTTPConnection,
        breaks: int,
    ) -> None:
        owner = self.owner
        self.send_response(response.status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sockets = [self.connection, upstream.sock]
        with owner._lock:
            owner._streams.update(s for s in sockets if s is not None)
            missed = owner._breaks != breaks  # broken while this stream was in flight
        if missed:
            for sock in sockets:
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
        try:
            while True:
                line = response.readline()
                if not line:
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        finally:
            with owner._lock:
                owner._streams.difference_update(sockets)
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _proxy  # noqa: N815
