"""Serve the dashboard with uvicorn: print the URL, open nothing."""

from __future__ import annotations

import os

from dagwell.api.client import Client
from dagwell.ui.app import create_app

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8237


def url_for(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


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
    echo(f"dagwell ui: {url_for(host, port, token)}" + (" (read-only)" if read_only else ""))
    uvicorn.run(app, host=host, port=port, log_level="warning")
