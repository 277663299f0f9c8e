"""Who may read and who may act: loopback by default, a token elsewhere, same-origin writes.

- Bound to a loopback address, the dashboard needs no token, but it answers only requests
  whose ``Host`` is a loopback name (a web page elsewhere cannot reach it by DNS rebinding).
- Bound elsewhere it refuses to start without a token; every request must carry it
  (``Authorization: Bearer``, the ``dagwell_token`` cookie, or ``?token=`` once, which sets
  the cookie), compared in constant time.
- A write (POST) additionally needs an ``Origin`` (or ``Referer``) equal to the dashboard's
  own, and is refused outright with ``--read-only``.
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

COOKIE = "dagwell_token"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Guard:
    def __init__(self, *, bind_host: str, token: str | None, read_only: bool) -> None:
        self.loopback = is_loopback(bind_host)
        self.token = token or None
        self.read_only = read_only
        if not self.loopback and self.token is None:
            raise ValueError(
                f"dagwell ui: binding to {bind_host} (not loopback) needs a token: pass "
                "--token or set DAGWELL_UI_TOKEN, then open the printed URL."
            )

    def _presented(self, request: Request) -> str | None:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return request.cookies.get(COOKIE) or request.query_params.get("token")

    def _token_ok(self, request: Request) -> bool:
        if self.token is None:
            return True
        given = self._presented(request) or ""
        return hmac.compare_digest(given.encode(), self.token.encode())

    def check(self, request: Request) -> Response | None:
        """A refusal for this request, or None when it may proceed."""
        host = (request.headers.get("host") or "").rsplit(":", 1)[0]
        if self.loopback and self.token is None and not is_loopback(host):
            return PlainTextResponse("dagwell ui answers loopback host names only.", 403)
        if not self._token_ok(request):
            return PlainTextResponse(
                "401: this dagwell ui needs its token (open the URL it printed).", 401
            )
        if request.method not in ("GET", "HEAD"):
            if self.read_only:
                return PlainTextResponse("dagwell ui runs --read-only: no actions.", 403)
            if not self._same_origin(request):
                return PlainTextResponse("403: a write from another origin is refused.", 403)
        if self.token is not None and "token" in request.query_params:
            query = "&".join(
                f"{k}={v}" for k, v in request.query_params.multi_items() if k != "token"
            )
            target = request.url.path + (f"?{query}" if query else "")
            response = RedirectResponse(target, 303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
            return response
        return None

    @staticmethod
    def _same_origin(request: Request) -> bool:
        source = request.headers.get("origin") or request.headers.get("referer")
        if not source:
            return False
        parts = urlsplit(source)
        return parts.netloc == request.headers.get("host") and parts.scheme in ("http", "https")
