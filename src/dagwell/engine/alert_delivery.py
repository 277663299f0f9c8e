"""Delivering one alert: a JSON POST, retried with backoff, in a process of its own.

The engine must never wait on a webhook, and a delivery must survive the run's end. So
each alert is handed to ``python -m dagwell.engine.alert_delivery`` on its stdin; that
process posts it, retries connection errors, 429 and 5xx answers with exponential backoff,
gives up after ``attempts`` tries or ``deadline`` seconds, and outlives the run (an alert
fired as a script's run ends is still delivered). Only the standard library is used here,
so the process starts quickly.
"""

from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

log = logging.getLogger("dagwell.engine.alert_delivery")


@dataclass(frozen=True)
class Delivery:
    url: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 5.0  # seconds per request
    attempts: int = 4
    backoff: float = 0.5  # seconds before the second try, doubled after each
    deadline: float = 30.0  # seconds for all tries together


def _retryable(error: Exception) -> bool:
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return error.code == 429 or error.code >= 500
    return isinstance(error, OSError)  # refused, reset, timed out, name not resolved


def deliver(job: Delivery, sleep: Any = time.sleep) -> bool:
    """POST ``job.body``; True once the receiver answered 2xx."""
    import urllib.request  # here: the engine process only ever calls send()

    data = json.dumps(job.body).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "dagwell", **job.headers}
    end = time.monotonic() + job.deadline
    delay = job.backoff
    for number in range(1, job.attempts + 1):
        left = end - time.monotonic()
        if left <= 0:
            break
        request = urllib.request.Request(job.url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=min(job.timeout, left)) as answer:
                answer.read()
            return True
        except Exception as error:  # every failure is logged, and retried when it may pass
            if not _retryable(error) or number == job.attempts:
                log.warning("alert to %s not delivered (try %d): %s", _safe(job.url), number, error)
                return False
            log.info("alert to %s failed (try %d): %s; retrying", _safe(job.url), number, error)
        sleep(max(0.0, min(delay, end - time.monotonic())))
        delay *= 2
    log.warning("alert to %s not delivered within %.0fs", _safe(job.url), job.deadline)
    return False


def _safe(url: str) -> str:
    """The URL without its path: Slack-style webhook URLs carry their secret in the path."""
    parts = url.split("/")
    return "/".join(parts[:3]) + "/..." if len(parts) > 3 else url


_children: list[subprocess.Popen[bytes]] = []


def send(job: Delivery) -> None:
    """Hand ``job`` to a delivery process and return at once (a fork and exec, no wait)."""
    _children[:] = [p for p in _children if p.poll() is None]  # reap finished ones
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "dagwell.engine.alert_delivery"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            process_group=0,  # Ctrl-C of the run does not cut a delivery short
        )
        assert child.stdin is not None
        child.stdin.write(json.dumps(asdict(job)).encode())
        child.stdin.close()
    except OSError as error:
        log.warning("could not start the delivery of an alert to %s: %s", _safe(job.url), error)
        return
    _children.append(child)


def wait_for_deliveries(timeout: float) -> int:
    """Wait up to ``timeout`` seconds for the deliveries this process started; how many were
    still under way. For a process whose end kills its children: an orchestrator pod's
    container stops with its main process, and would take a run's last alerts with it."""
    end = time.monotonic() + timeout
    for child in _children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(max(0.0, end - time.monotonic()))
    _children[:] = [p for p in _children if p.poll() is None]
    return len(_children)


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="dagwell alert: %(message)s")
    job = Delivery(**json.loads(sys.stdin.read()))
    return 0 if deliver(job) else 1


if __name__ == "__main__":
    sys.exit(main())
