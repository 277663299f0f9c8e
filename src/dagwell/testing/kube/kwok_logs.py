"""The kwok-style kubelet's log endpoint: ``GET /containerLogs/NS/POD/CONTAINER`` over
HTTPS, which the API server calls for ``pods/log`` (``?follow=true`` streams until the
container ends). The API server's client certificate is not checked: a test kubelet."""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlparse


class LogSource(Protocol):
    def log_path(self, namespace: str, pod: str, container: str) -> Path: ...
    def running(self, namespace: str, pod: str) -> bool: ...


def serve_logs(source: LogSource, cert: tuple[str, str] | None) -> ThreadingHTTPServer:
    """Start the endpoint on a free loopback port (HTTPS when ``cert`` is given)."""

    class Handler(_LogHandler):
        owner = source

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if cert is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*cert)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True, name="kwok-logs").start()
    return server


class _LogHandler(BaseHTTPRequestHandler):
    owner: LogSource

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        parsed = urlparse(self.path)
        parts = parsed.path.strip("/").split("/")
        if len(parts) != 4 or parts[0] != "containerLogs":
            self.send_error(404, "not a container log path")
            return
        namespace, pod, container = parts[1:]
        path = self.owner.log_path(namespace, pod, container)
        follow = parse_qs(parsed.query).get("follow", ["false"])[-1] == "true"
        if not path.exists():
            self.send_error(404, f"no log for {namespace}/{pod}/{container}")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if not follow:
            data = path.read_bytes()
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        # An HTTP/1.0 response (BaseHTTPRequestHandler's): its body ends when the
        # connection closes, so it is written as it is, without chunked framing.
        self.end_headers()
        with contextlib.suppress(OSError), open(path, "rb") as log:
            while True:
                chunk = log.read(65536)
                if chunk:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    continue
                if not self.owner.running(namespace, pod):
                    self.wfile.write(log.read())  # what it wrote just before it ended
                    break
                time.sleep(0.2)
