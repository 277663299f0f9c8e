"""``Schedule``: when a pipeline runs by itself (ZenML's name and fields). Pure.

On Kubernetes a scheduled pipeline becomes a CronJob whose Job starts a detached run each
time (see :mod:`dagwell.kubernetes.schedules`). Locally dagwell runs no daemon, so a
schedule is refused with how to let cron or a systemd timer call ``dagwell run``.
"""

from __future__ import annotations

import datetime
import re
import warnings
from dataclasses import dataclass
from typing import Any

from dagwell.core.errors import ConfigError

_FIELD = re.compile(r"^[\d*/,\-A-Za-z?]+$")
_MACROS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}


def _moment(value: Any, what: str) -> datetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"{what}={value!r} is not an ISO date-time.") from None
    if not isinstance(value, datetime.datetime):
        raise ConfigError(f"{what} must be a datetime, got {type(value).__name__}.")
    moment: datetime.datetime = value
    if moment.tzinfo is None:  # as ZenML reads it: the local time zone's, and says so
        warnings.warn(
            f"Schedule {what} has no time zone: it is read as this machine's local time "
            f"({moment.astimezone().tzname()}). Give tzinfo= to be explicit.",
            stacklevel=4,
        )
        moment = moment.astimezone()
    return moment


def _every(interval: Any) -> str:
    """The cron expression that runs every ``interval`` (seconds or a timedelta), if any."""
    try:
        total = getattr(interval, "total_seconds", None)
        seconds = float(total() if callable(total) else interval)
    except (TypeError, ValueError):
        seconds = 0.0
    minutes, hours = seconds / 60, seconds / 3600
    if minutes.is_integer() and 0 < minutes < 60 and 60 % minutes == 0:
        return f"cron_expression='*/{int(minutes)} * * * *' (every {int(minutes)} minutes)"
    if hours == 1:
        return "cron_expression='0 * * * *' (every hour, on the hour)"
    if hours.is_integer() and 1 < hours < 24 and 24 % hours == 0:
        return f"cron_expression='0 */{int(hours)} * * *' (every {int(hours)} hours)"
    if hours == 24:
        return "cron_expression='0 0 * * *' (daily at 00:00 UTC)"
    if hours == 24 * 7:
        return "cron_expression='0 0 * * 0' (weekly, Sundays at 00:00 UTC)"
    return "a cron_expression, e.g. '*/15 * * * *' (every 15 minutes) or '0 3 * * *' (daily)"


def _no_cron(interval: Any, once: Any) -> str:
    if interval is not None:
        return (
            f"Schedule(interval_second={interval!r}) is not supported: dagwell schedules are "
            "cron expressions (a Kubernetes CronJob; ZenML's Kubernetes orchestrator refuses "
            f"interval schedules too). Use {_every(interval)}."
        )
    if once is not None:
        return (
            "Schedule(run_once_start_time=...) is not supported: dagwell schedules are cron "
            "expressions. For one run at a given time, start it then (e.g. "
            "`echo 'dagwell run pipeline.py' | at 14:05`)."
        )
    return (
        "Schedule needs cron_expression=, five fields 'minute hour day-of-month month "
        "day-of-week', e.g. Schedule(cron_expression='0 3 * * *') for 03:00 UTC daily."
    )


@dataclass(frozen=True)
class Schedule:
    """Run a pipeline on ``cron_expression`` (5 fields, as cron reads them, in UTC),
    between ``start_time`` and ``end_time`` if given. ``catchup=False`` (default): a run
    missed while nothing could start it is not made up later. ``name``: the schedule's
    (and its CronJob's) name; default derived from the pipeline."""

    cron_expression: str = ""
    start_time: datetime.datetime | None = None
    end_time: datetime.datetime | None = None
    catchup: bool = False
    name: str | None = None
    #: ZenML's other kinds of schedule: refused, naming the cron expression to use.
    interval_second: datetime.timedelta | float | None = None
    run_once_start_time: datetime.datetime | None = None

    def __post_init__(self) -> None:
        if not self.cron_expression:
            raise ConfigError(_no_cron(self.interval_second, self.run_once_start_time))
        if self.interval_second is not None or self.run_once_start_time is not None:
            warnings.warn(  # (ZenML warns so too)
                "Schedule was given a cron_expression and interval_second= or "
                "run_once_start_time=: only the cron expression is used.",
                stacklevel=3,
            )
            object.__setattr__(self, "interval_second", None)
            object.__setattr__(self, "run_once_start_time", None)
        cron = " ".join(str(self.cron_expression).split())
        fields = cron.split(" ")
        if not (cron in _MACROS or (len(fields) == 5 and all(_FIELD.match(f) for f in fields))):
            raise ConfigError(
                f"cron_expression={self.cron_expression!r} is not a cron schedule: use five "
                "fields 'minute hour day-of-month month day-of-week', e.g. '0 3 * * *' "
                "(03:00 UTC daily), or @hourly/@daily/@weekly/@monthly."
            )
        object.__setattr__(self, "cron_expression", cron)
        start = _moment(self.start_time, "start_time")
        end = _moment(self.end_time, "end_time")
        if start and end and end <= start:
            raise ConfigError("Schedule end_time must be after start_time.")
        object.__setattr__(self, "start_time", start)
        object.__setattr__(self, "end_time", end)

    def active_at(self, moment: datetime.datetime) -> bool:
        """Whether a trigger at ``moment`` falls within start_time and end_time."""
        if self.start_time and moment < self.start_time:
            return False
        return not (self.end_time and moment > self.end_time)

    def to_json(self) -> dict[str, Any]:
        return {
            "cron_expression": self.cron_expression,
            "start_time": self.start_time.isoformat() if self.start_time else None,
            "end_time": self.end_time.isoformat() if self.end_time else None,
            "catchup": self.catchup,
            "name": self.name,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schedule:
        return cls(**data)


LOCAL_REFUSAL = (
    "Schedules need an orchestrator that runs by itself: KubernetesOrchestrator turns one "
    "into a CronJob. Locally, let cron or a systemd timer start the run, e.g. the crontab "
    "line `{cron} cd {cwd} && dagwell run {file}` (crontab -e), or a systemd .timer with "
    "OnCalendar= and a .service whose ExecStart is `dagwell run {file}`."
)
