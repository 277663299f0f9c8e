"""Schedules as CronJobs. Pure: the manifest, and reading a CronJob back as a schedule.

The CronJob's Job template is the orchestrator Job of a detached run (same image, service
account, store Secret, restarts), whose pod runs ``python -m dagwell orchestrate
--scheduled``: it records a new run from the plan in ``DAGWELL_SCHEDULED`` (plain JSON:
the plan and the orchestrator's settings, no secret) and drives it. The run's id is
derived from the name of the Job that owns the pod (its owner reference), so a restarted
pod of the same Job resumes that run instead of starting another. ``concurrencyPolicy:
Forbid`` keeps runs from piling up behind a slow one; ``catchup=False`` sets a short
``startingDeadlineSeconds`` so missed times are skipped.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from dagwell.core.errors import ConfigError
from dagwell.core.schedule import Schedule
from dagwell.kubernetes.detached import ROLE_ORCHESTRATOR, DetachedConfig, job_spec
from dagwell.kubernetes.pods import label_value

LABEL_SCHEDULE = "dagwell.io/schedule"
LABEL_PIPELINE = "dagwell.io/pipeline"
PAYLOAD_ENV = "DAGWELL_SCHEDULED"
_NAME_OK = re.compile(r"[^a-z0-9-]+")


def schedule_name(schedule: Schedule, pipeline: str) -> str:
    """A CronJob name: at most 52 characters (its Jobs add 11), DNS-1123."""
    if schedule.name:
        name = schedule.name
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?", name):
            raise ConfigError(
                f"Schedule name={name!r} must be lowercase letters, digits and '-', at most "
                "52 characters (it names the CronJob)."
            )
        return name
    base = _NAME_OK.sub("-", pipeline.lower()).strip("-")[:40] or "pipeline"
    return f"dw-{base}-{hashlib.sha256(pipeline.encode()).hexdigest()[:6]}"


def scheduled_run_id(namespace: str, job: str) -> str:
    """The run a scheduled Job drives: the same for every pod of that Job."""
    return hashlib.sha256(f"{namespace}/{job}".encode()).hexdigest()[:12]


def build_cronjob(
    orchestrator: DetachedConfig,
    schedule: Schedule,
    pipeline: str,
    payload: Mapping[str, Any],
) -> dict[str, Any]:
    name = schedule_name(schedule, pipeline)
    labels = {
        LABEL_SCHEDULE: name,
        LABEL_PIPELINE: label_value(pipeline),
        "dagwell.io/role": ROLE_ORCHESTRATOR,
    }
    spec = job_spec(orchestrator, ["orchestrate", "--scheduled"], labels)
    container = spec["template"]["spec"]["containers"][0]
    container["env"].append(
        {"name": PAYLOAD_ENV, "value": json.dumps(dict(payload), separators=(",", ":"))}
    )
    cron: dict[str, Any] = {
        "schedule": schedule.cron_expression,
        "concurrencyPolicy": "Forbid",
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 3,
        "jobTemplate": {"metadata": {"labels": labels}, "spec": spec},
    }
    if not schedule.catchup:
        cron["startingDeadlineSeconds"] = 300
    return {
        "kind": "CronJob",
        "metadata": {
            "name": name,
            "namespace": orchestrator.namespace,
            "labels": labels,
            "annotations": {"dagwell.io/schedule-spec": json.dumps(schedule.to_json())},
        },
        "spec": cron,
    }


def describe_cronjob(cronjob: Mapping[str, Any]) -> dict[str, Any]:
    """A CronJob of dagwell's as a row for ``dagwell schedules list``."""
    meta = cronjob.get("metadata") or {}
    spec = cronjob.get("spec") or {}
    status = cronjob.get("status") or {}
    return {
        "name": meta.get("name"),
        "pipeline": (meta.get("labels") or {}).get(LABEL_PIPELINE),
        "cron": spec.get("schedule"),
        "suspended": bool(spec.get("suspend")),
        "last_scheduled": status.get("lastScheduleTime"),
        "active": len(status.get("active") or []),
    }
