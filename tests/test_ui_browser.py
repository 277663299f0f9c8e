"""The dashboard in a real browser (headless Debian chromium driven by Playwright) on a
store holding the real seed run: ten 400 MB steps on a 1400 MB node, real OOM kills and
retries. Screenshots land in tests/screenshots/ (gitignored) for people to look at."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import need
from dagwell.api.client import Client
from dagwell.core.failures import FailureKind
from helpers import wait_for
from ui_server import serving

# The seed is recorded once for all xdist workers (under a file lock); it takes 30-90 s on a
# loaded machine, hence the longer timeout.
pytestmark = [pytest.mark.cgroups, pytest.mark.timeout(300)]
TESTS = Path(__file__).parent
SHOTS = TESTS / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _record(home: Path, which: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DAGWELL_HOME": str(home), "DAGWELL_PROGRESS": "0"}
    return subprocess.Popen(
        [sys.executable, str(TESTS / "ui_pipelines.py"), which],
        env=env,
        cwd=TESTS,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="session")
def seed_home(tmp_path_factory):
    from dagwell.runtimes.cgroups import detect

    setup = detect("auto", node_dir="dagwell-test-probe")
    if setup.base is not None:
        setup.base.rmdir()
    need(None if setup.version != "none" else f"no writable cgroup memory: {setup.reason}")
    base = tmp_path_factory.getbasetemp()  # under xdist: this session's, one per worker
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "ui-seed"
    shared.mkdir(exist_ok=True)
    home = shared / "home"
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "recorded").exists():
            proc = _record(home, "seed")
            out, _ = proc.communicate(timeout=240)
            assert proc.returncode == 0, out
            (shared / "recorded").touch()
    return home


@pytest.fixture(scope="session")
def browser():
    need(None if os.path.exists(CHROMIUM) else "no chromium (make installs Debian's, as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _runs(home):
    client = Client(home)
    try:
        return {r.pipeline: r for r in client.list_runs(limit=10)}
    finally:
        client.close()


def _oom(run):
    return [
        (s.name, a)
        for s in run.steps.values()
        for a in s.attempts
        if a.failure and a.failure.kind is FailureKind.OOM_KILLED
    ]


def test_the_seed_run_page_tells_the_story(seed_home, browser):
    seed = _runs(seed_home)["simple_ml_pipeline"]
    kills = _oom(seed)
    retries = sum(len(s.attempts) - 1 for s in seed.steps.values())
    assert kills and retries, "the seed run had real OOM kills and retries"
    with serving(seed_home) as url:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{url}/")
        assert page.locator(f"tr[data-run='{seed.id}']").count() == 1
        page.goto(f"{url}/runs/{seed.id}")
        nodes = page.locator("svg.dag .node")
        assert nodes.count() == 10
        statuses = {nodes.nth(i).get_attribute("data-status") for i in range(10)}
        assert statuses == {s.status.value for s in seed.steps.values()}
        survived = page.locator("svg.dag .node[data-failure='survived oom_killed']").count()
        assert survived == len({name for name, _ in kills})
        lanes = page.locator("svg.timeline .lane")
        assert lanes.count() == sum(len(s.attempts) for s in seed.steps.values())
        assert page.locator(".lane[data-outcome='oom_killed']").count() == len(kills)
        assert page.locator(".lane[data-outcome='oom_killed'] .kill").count() == len(kills)
        assert page.locator(".lane[data-retry='yes']").count() == retries
        page.wait_for_selector("#memory-chart .u-legend")
        legend = page.locator("#memory-chart .u-legend").inner_text()
        assert "node capacity" in legend and "node usage" in legend
        assert page.locator("#memory-chart .kill-marker").count() == len(kills)
        assert page.locator("#kills li").count() == len(kills)
        assert "OOM kills" in page.locator("#story-text").inner_text()
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "seed-run-page.png"), full_page=True)
        box = page.locator("#kills").bounding_box()
        overview = {"x": 0, "y": 0, "width": 1200, "height": box["y"] + box["height"] + 16}
        page.screenshot(path=str(SHOTS / "seed-run-overview.png"), full_page=True, clip=overview)

        name, attempt = kills[0]
        page.goto(f"{url}/runs/{seed.id}/steps/{name}")
        log = page.locator(f".attempt[data-attempt='{attempt.number}'] pre.log")
        wait_for(lambda: log.get_attribute("data-loaded") == "yes", 10, "the log to load")
        assert "allocating 400 MB" in log.inner_text()
        section = page.locator(f".attempt[data-attempt='{attempt.number}']")
        assert "oom_killed" in section.inner_text()
        page.screenshot(path=str(SHOTS / "seed-step-page.png"), full_page=True)
        page.close()


def test_a_printed_script_is_shown_as_text(seed_home, browser):
    run = _runs(seed_home)["shouting"]
    with serving(seed_home) as url:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{url}/runs/{run.id}/steps/shout")
        log = page.locator("pre.log")
        wait_for(lambda: log.get_attribute("data-loaded") == "yes", 10, "the log to load")
        assert "<script>document.title='pwned'</script>" in log.inner_text()
        assert "<script>alert(1)</script>" in page.locator("pre.preview").inner_text()
        page.goto(f"{url}/runs/{run.id}")
        assert "<script>alert(1)</script>" in page.locator(".artifact").inner_text()
        assert page.title() != "pwned" and not dialogs
        page.close()


def test_metrics_have_the_counts_of_the_seed_run(seed_home):
    import httpx

    seed = _runs(seed_home)["simple_ml_pipeline"]
    with serving(seed_home) as url:
        text = httpx.get(f"{url}/metrics").text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    kills = _oom(seed)
    assert samples[("dagwell_oom_kills_total", ())] == len(kills)
    by_scope = [a.failure.oom_scope.value for _, a in kills]
    for scope in set(by_scope):
        key = ("dagwell_failed_attempts_total", (("kind", "oom_killed"), ("scope", scope)))
        assert samples[key] == by_scope.count(scope)
    budgets = [a.budget for s in seed.steps.values() for a in s.attempts if a.budget]
    for budget in ("step", "infra"):
        assert samples[("dagwell_retries_total", (("budget", budget),))] == budgets.count(budget)
    assert samples[("dagwell_runs", (("status", "completed"),))] == 2  # the seed and shouting
    completed = sum(
        1
        for r in _runs(seed_home).values()
        for s in r.steps.values()
        for a in s.attempts
        if a.status.value == "completed"
    )
    assert samples[("dagwell_step_duration_seconds_count", ())] == completed


def test_the_live_page_updates_and_stop_works(tmp_path, browser, cgroups):
    home = tmp_path / "home"
    proc = _record(home, "slow")
    try:
        run_id = wait_for(
            lambda: (
                next(iter(_runs(home).values())).id
                if (home / "dagwell.db").exists() and _runs(home)
                else None
            ),
            30,
            "the slow run to be recorded",
        )
        with serving(home) as url:
            page = browser.new_page()
            page.on("dialog", lambda d: d.accept())
            page.goto(f"{url}/runs/{run_id}")
            assert page.locator("#run-status").inner_text() == "running"
            wait_for(
                lambda: page.locator("svg.dag .node[data-status='running']").count() == 3,
                30,
                "the page to show the three steps running, without a reload",
            )
            width = float(page.locator(".lane rect").first.get_attribute("width"))
            wait_for(
                lambda: float(page.locator(".lane rect").first.get_attribute("width")) != width,
                10,
                "the running attempt's bar to change",
            )
            steps = browser.new_page()
            steps.goto(f"{url}/runs/{run_id}/steps/nap")
            log = steps.locator("pre.log")
            wait_for(lambda: "napping" in log.inner_text(), 15, "the running step's log")
            steps.close()
            page.click("#stop")
            wait_for(
                lambda: page.locator("#run-status").inner_text() == "cancelled",
                30,
                "the run to be stopped",
            )
            assert int(page.locator("#run").get_attribute("data-polls")) >= 2
            page.close()
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
