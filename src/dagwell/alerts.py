"""Alerters users import: ``from dagwell.alerts import WebhookAlerter, SlackAlerter``.

The implementation (and what fires which alert) is :mod:`dagwell.engine.alerts`.
"""

from dagwell.engine.alerts import Alert, SlackAlerter, WebhookAlerter

__all__ = ["Alert", "SlackAlerter", "WebhookAlerter"]
