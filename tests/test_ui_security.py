"""The dashboard's guard: a token off loopback, same-origin writes, no path traversal,
read-only mode. Against the real app (Starlette's test client) on a real, empty store."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from dagwell.api.client import Client
from dagwell.ui.app import create_app

TOKEN = "s3cret-token"


def app(home, **options):
    return create_app(Client(home), **{"bind_host": "127.0.0.1", **options})


def test_a_non_loopback_bind_needs_a_token(home):
    with pytest.raises(ValueError, match="needs a token"):
        app(home, bind_host="0.0.0.0")
    web = TestClient(app(home, bind_host="0.0.0.0", token=TOKEN), base_url="http://10.1.2.3:8237")
    assert web.get("/").status_code == 401
    assert web.get("/metrics").status_code == 401
    assert web.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert web.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert web.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    first = web.get(f"/?token={TOKEN}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/"
    assert "httponly" in first.headers["set-cookie"].lower()
    assert web.get("/").status_code == 200  # the cookie it set


def test_writes_need_the_token_and_the_same_origin(home):
    web = TestClient(app(home, bind_host="0.0.0.0", token=TOKEN), base_url="http://10.1.2.3:8237")
    same = {"Origin": "http://10.1.2.3:8237"}
    assert web.post("/runs/nope/stop", headers=same).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    other = web.post("/runs/nope/stop", headers={**auth, "Origin": "http://evil.example"})
    assert other.status_code == 403
    assert web.post("/runs/nope/stop", headers=auth).status_code == 403  # no origin at all
    assert web.post("/runs/nope/stop", headers={**auth, **same}).status_code == 404  # passed


def test_loopback_answers_loopback_names_only_and_read_only_refuses_writes(home):
    local = TestClient(app(home), base_url="http://127.0.0.1:8237")
    assert local.get("/").status_code == 200
    rebound = TestClient(app(home), base_url="http://attacker.example:8237")
    assert rebound.get("/").status_code == 403
    ro = TestClient(app(home, read_only=True), base_url="http://127.0.0.1:8237")
    page = ro.get("/")
    assert page.status_code == 200 and "read-only" in page.text
    origin = {"Origin": "http://127.0.0.1:8237"}
    assert ro.post("/runs/nope/stop", headers=origin).status_code == 403


def test_path_traversal_is_refused(home):
    import workloads

    run = workloads.ml()
    web = TestClient(app(home), base_url="http://127.0.0.1:8237")
    real = f"/runs/{run.id}/steps/load/attempts/1/log"
    assert web.get(real).status_code == 200  # the way to a log that exists
    for path in [
        f"/runs/{run.id}/steps/..%2F..%2F..%2F..%2Fetc%2Fpasswd/attempts/1/log",
        f"/runs/{run.id}/steps/%2e%2e/attempts/1/log",
        f"/runs/{run.id}/steps/load/attempts/1/..%2F..%2F..%2Fdagwell.db",
        "/runs/..%2F..%2Fetc%2Fpasswd",
        "/static/..%2F..%2F..%2Fapi%2Fclient.py",
        "/static/../app.py",
        "/static/%2e%2e/app.py",
    ]:
        response = web.get(path)
        assert response.status_code == 404, (path, response.text)
        assert "root:" not in response.text and "import " not in response.text


def test_dagwell_ui_prints_its_url_serves_and_refuses_an_open_bind_without_token(home):
    import socket
    import subprocess
    import sys

    import httpx

    refused = subprocess.run(
        [sys.executable, "-m", "dagwell", "ui", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "needs a token" in refused.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "dagwell", "ui", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == f"dagwell ui: http://127.0.0.1:{port}/"
        from helpers import wait_for

        def answered():
            try:
                return httpx.get(f"http://127.0.0.1:{port}/").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(answered, 30, "dagwell ui to answer")
    finally:
        proc.terminate()
        proc.wait(10)


def test_every_step_page_and_log_is_reachable_whatever_the_step_id(home):
    """Before: a step id holding '/' linked to a page that answered 404, and one named '..'
    to an address a browser folds into the run's own page (even written %2e%2e)."""
    import html
    import re

    from dagwell import pipeline, step

    @step(enable_cache=False)
    def say() -> int:
        print("said")
        return 1

    ids = ["a/b", "..", ".", "x?y#z", "per%2Fcent", "plain"]

    @pipeline(enable_cache=False)
    def p() -> None:
        for name in ids:
            say(id=name)

    run = p()
    web = TestClient(app(home), base_url="http://127.0.0.1:8237")
    page = web.get(f"/runs/{run.id}").text
    links = [html.unescape(h) for h in re.findall(r'<a href="([^"]+)" class="node', page)]
    assert len(links) == len(ids)
    for link in links:
        assert "/./" not in link and "/../" not in link and not link.endswith(("/.", "/.."))
        step_page = web.get(link)
        assert step_page.status_code == 200, link
        (log,) = re.findall(r'data-log="([^"]+)"', step_page.text)
        assert web.get(html.unescape(log)).json()["text"] == "said\n", link
    titles = [re.search(r"<h1>(.*?) <span", web.get(link).text) for link in links]
    assert sorted(html.unescape(t.group(1)) for t in titles if t) == sorted(ids)  # each its own
