"""Alerts: tell a webhook (or Slack) when a run fails, a step is OOM-killed, or a run is slow.

Two ways to use an alerter:

- as a setting: ``@pipeline(alerters=[WebhookAlerter(url, long_running_minutes=30)])`` or
  ``LocalOrchestrator(alerters=[...])`` (any orchestrator with an ``alerters`` field), or for
  every run of this machine (any orchestrator, resumed and detached runs too) the
  environment: ``DAGWELL_ALERT_WEBHOOK_URL``, ``DAGWELL_ALERT_SLACK_URL`` and
  ``DAGWELL_ALERT_LONG_RUNNING_MINUTES``. The engine then fires ``run_failed`` (the run ended
  failed), ``oom_killed`` (each attempt the kernel killed for memory) and ``long_running``
  (once, when the run has run longer than the alerter's ``long_running_minutes``).
- as a hook: ``on_failure=alerter`` / ``on_retry=alerter`` on a step or pipeline; the alert
  is ``oom_killed`` when the failure was an OOM kill, else ``step_failed``.

Sending never blocks the engine: each alert is delivered by a process of its own
(:mod:`dagwell.engine.alert_delivery`), retried with backoff, bounded in time.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dagwell.core.errors import DefinitionError
from dagwell.core.failures import Failure, FailureKind
from dagwell.core.hooks import HookEvent
from dagwell.core.statuses import RunStatus
from dagwell.engine.alert_delivery import Delivery, send

KINDS = ("run_failed", "oom_killed", "long_running", "step_failed")


@dataclass(frozen=True)
class Alert:
    kind: str  # one of KINDS
    run_id: str
    pipeline: str
    message: str
    step: str | None = None
    attempt: int | None = None
    failure: Failure | None = None
    at: float = 0.0  # epoch seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "run_id": self.run_id,
            "pipeline": self.pipeline,
            "step": self.step,
            "attempt": self.attempt,
            "message": self.message,
            "failure_kind": self.failure.kind.value if self.failure else None,
            "failure_message": self.failure.message if self.failure else None,
            "at": self.at,
            "host": socket.gethostname(),
        }


class WebhookAlerter:
    """POSTs each alert as JSON (``Alert.to_json``) to ``url``.

    ``on`` picks the alerts it sends (default all); ``long_running_minutes`` enables the
    ``long_running`` alert; ``attempts``/``backoff``/``deadline`` bound the delivery.
    """

    def __init__(
        self,
        url: str,
        *,
        on: Iterable[str] = KINDS,
        long_running_minutes: float | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 5.0,
        attempts: int = 4,
        backoff: float = 0.5,
        deadline: float = 30.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise DefinitionError(f"{type(self).__name__} needs an http(s) URL, got {url!r}.")
        self.on = frozenset(on)
        unknown = self.on - set(KINDS)
        if unknown:
            raise DefinitionError(
                f"{type(self).__name__}(on=...) got {', '.join(sorted(unknown))}; "
                f"known alerts: {', '.join(KINDS)}."
            )
        if long_running_minutes is not None and long_running_minutes <= 0:
            raise DefinitionError("long_running_minutes= must be a number of minutes > 0.")
        self.url = url
        self.long_running_minutes = long_running_minutes
        self._delivery = dict(
            headers=dict(headers or {}),
            timeout=timeout,
            attempts=attempts,
            backoff=backoff,
            deadline=deadline,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url.split('/')[2]!r})"

    def payload(self, alert: Alert) -> dict[str, Any]:
        return alert.to_json()

    def send(self, alert: Alert) -> None:
        """Deliver ``alert`` in the background when this alerter sends its kind."""
        if alert.kind in self.on:
            send(Delivery(self.url, self.payload(alert), **self._delivery))  # type: ignore[arg-type]

    def __call__(self, event: HookEvent) -> None:
        """Used as an ``on_failure``/``on_retry`` hook."""
        oom = event.failure is not None and event.failure.kind is FailureKind.OOM_KILLED
        kind = "oom_killed" if oom else "step_failed"
        what = event.failure.message if event.failure else "failed"
        self.send(
            Alert(
                kind,
                event.run_id,
                event.pipeline,
                f"{event.pipeline} {event.run_id}: step {event.step} attempt {event.attempt}: "
                f"{what}",
                step=event.step,
                attempt=event.attempt,
                failure=event.failure,
                at=time.time(),
            )
        )


class SlackAlerter(WebhookAlerter):
    """Posts to a Slack (or Mattermost, Rocket.Chat...) incoming webhook: ``{"text": ...}``."""

    ICONS = {
        "run_failed": ":x:",
        "oom_killed": ":boom:",
        "long_running": ":hourglass:",
        "step_failed": ":warning:",
    }

    def payload(self, alert: Alert) -> dict[str, Any]:
        text = f"{self.ICONS[alert.kind]} *dagwell {alert.kind.replace('_', ' ')}*: {alert.message}"
        return {
            "text": text,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        }


def alerters_from_env(env: dict[str, str] | None = None) -> list[WebhookAlerter]:
    """The machine-wide alerters named by ``DAGWELL_ALERT_*`` (see the module docstring)."""
    env = dict(os.environ if env is None else env)
    minutes_text = env.get("DAGWELL_ALERT_LONG_RUNNING_MINUTES")
    try:
        minutes = float(minutes_text) if minutes_text else None
    except ValueError:
        raise DefinitionError(
            f"DAGWELL_ALERT_LONG_RUNNING_MINUTES={minutes_text!r} is not a number of minutes."
        ) from None
    found: list[WebhookAlerter] = []
    if env.get("DAGWELL_ALERT_WEBHOOK_URL"):
        found.append(WebhookAlerter(env["DAGWELL_ALERT_WEBHOOK_URL"], long_running_minutes=minutes))
    if env.get("DAGWELL_ALERT_SLACK_URL"):
        found.append(SlackAlerter(env["DAGWELL_ALERT_SLACK_URL"], long_running_minutes=minutes))
    return found


def check_alerters(owner: str, value: Any) -> tuple[WebhookAlerter, ...]:
    """Normalize the ``alerters=`` option (one alerter or a list of them)."""
    if value is None:
        return ()
    items: Sequence[Any] = value if isinstance(value, list | tuple) else [value]
    for item in items:
        if not isinstance(item, WebhookAlerter):
            raise DefinitionError(
                f"alerters= of {owner} takes WebhookAlerter/SlackAlerter objects, got "
                f"{type(item).__name__}."
            )
    return tuple(items)


class AlertWatch:
    """The engine's side: turns what happens to one run into alerts for its alerters."""

    def __init__(
        self, alerters: Sequence[WebhookAlerter], run_id: str, pipeline: str, started_at: float
    ) -> None:
        self.alerters = list(alerters)
        self.run_id = run_id
        self.pipeline = pipeline
        self.started_at = started_at
        self._slow = [a for a in self.alerters if a.long_running_minutes is not None]

    def _send(self, alert: Alert, to: Sequence[WebhookAlerter] | None = None) -> None:
        for alerter in self.alerters if to is None else to:
            alerter.send(alert)

    def attempt_ended(self, step: str, attempt: int, failure: Failure | None, now: float) -> None:
        if failure is None or failure.kind is not FailureKind.OOM_KILLED:
            return
        self._send(
            Alert(
                "oom_killed",
                self.run_id,
                self.pipeline,
                f"{self.pipeline} {self.run_id}: step {step} attempt {attempt} was OOM-killed: "
                f"{failure.message}",
                step=step,
                attempt=attempt,
                failure=failure,
                at=now,
            )
        )

    def tick(self, now: float) -> None:
        """Cheap when nothing is due: called with the engine's heartbeat."""
        if not self._slow:
            return
        minutes = (now - self.started_at) / 60
        due = [a for a in self._slow if minutes >= (a.long_running_minutes or 0)]
        if not due:
            return
        self._slow = [a for a in self._slow if a not in due]
        self._send(
            Alert(
                "long_running",
                self.run_id,
                self.pipeline,
                f"{self.pipeline} {self.run_id} has been running for {minutes:.1f} minutes",
                at=now,
            ),
            due,
        )

    def run_ended(self, status: RunStatus, rule: str | None, now: float) -> None:
        if status is not RunStatus.FAILED:
            return
        self._send(
            Alert(
                "run_failed",
                self.run_id,
                self.pipeline,
                f"{self.pipeline} {self.run_id} failed" + (f" ({rule})" if rule else ""),
                at=now,
            )
        )
