"""Serve the dashboard with uvicorn: bind first, then print the URL, open nothing.

The socket is bound before anything is printed, so a port in use or a host that is no
address here is an error naming it and the fix (not a URL of a dashboard that is not there,
then uvicorn's log line), and ``--port 0`` prints the free port it got.
"""

from __future__ import annotations

import errno
import os
import socket

from dagwell.api.client import Client
from dagwell.ui.app import create_app

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8237


def url_for(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port``; a ValueError naming what is wrong and the
    fix when it cannot be had."""
    where = f"{url_for(host, port, None)[7:-1]}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise ValueError(
            f"cannot serve on --host {host}: {error.strerror}; give a name or address of "
            "this machine (127.0.0.1, the default; 0.0.0.0 or :: for every interface)."
        ) from None
    try:
        sock = socket.socket(family, kind, proto)
    except OSError as error:  # (an address family this machine has no support for: IPv6)
        raise ValueError(f"cannot serve on {where}: {error.strerror}.") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise ValueError(
                f"{where} is in use (another `dagwell ui`?): pick another port with --port "
                "(--port 0 takes any free one)."
            ) from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise ValueError(
                f"cannot serve on --host {host}: it is not an address of this machine; give "
                "one of its addresses (127.0.0.1, the default; 0.0.0.0 for every interface)."
            ) from None
        if error.errno == errno.EACCES:
            raise ValueError(
                f"cannot serve on {where}: permission denied (ports below 1024 need root); "
                "pick another port with --port."
            ) from None
        raise ValueError(f"cannot serve on {where}: {error.strerror}.") from None
    return sock


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    token: str | None = None,
    read_only: bool = False,
    echo: object = print,
) -> None:
    import uvicorn

    token = token or os.environ.get("DAGWELL_UI_TOKEN") or None
    app = create_app(Client(), bind_host=host, token=token, read_only=read_only)
    assert callable(echo)
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    echo(f"dagwell ui: {url_for(host, bound, token)}" + (" (read-only)" if read_only else ""))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])
