"""Detached runs: submit a run to the cluster, drive it from the orchestrator pod, and
record the truth when that pod is gone for good.

``submit`` records the run (owner: a placeholder naming its Job) and creates the Job; the
caller gets the run back at once, ``running``. Each orchestrator pod the Job starts runs
:func:`orchestrate`: it claims the run from the placeholder, or from the pod before it
once the API says that pod is gone (or its heartbeat went silent), and continues through
the crash-safe path of :mod:`.resume` (adopt step pods, record those that ended, sweep the
rest). SIGTERM and SIGKILL end the pod without touching its step pods: its successor
adopts them.

When the Job gives up (its restarts ran out), no orchestrator is left to record anything,
so whoever reads the run next does (:func:`reap_if_lost`, called by ``Client.get_run`` and
``dagwell runs watch``): the step pods are stopped and the run ends ``failed`` by the rule
``orchestrator_lost``.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagwell.artifact_store.store import open_artifact_store
from dagwell.core.errors import ConfigError, RunNotFound
from dagwell.core.failures import FailureKind
from dagwell.core.home import Home, resolve_home
from dagwell.core.plan import Plan
from dagwell.core.progress import NullProgress, Progress
from dagwell.core.records import PipelineRun
from dagwell.core.schedule import LOCAL_REFUSAL, Schedule
from dagwell.core.statuses import RunStatus
from dagwell.engine.orchestrators import from_description
from dagwell.engine.outcome import run_loader
from dagwell.engine.resume import CannotTakeOver, take_over
from dagwell.engine.runner import TracedPipeline, materialize_constants, new_run_id, run_record
from dagwell.kubernetes.api import KubeConflict, KubeError, with_retries
from dagwell.kubernetes.detached import (
    ALIVE_FILE,
    POD_ENV,
    SUBMITTED_PREFIX,
    build_job,
    job_failed,
    job_name,
    owner_pod,
    owning_job,
    pod_owner,
    submitted_owner,
)
from dagwell.kubernetes.orchestrator import KubernetesOrchestrator
from dagwell.kubernetes.schedules import (
    PAYLOAD_ENV,
    build_cronjob,
    describe_cronjob,
    scheduled_run_id,
)
from dagwell.store import RecordArtifacts, Store
from dagwell.store.ownership import ORPHAN_AFTER, is_orphaned, owner_tag
from dagwell.store.views import read_run

if TYPE_CHECKING:
    from dagwell.kubernetes.api import KubeApi

log = logging.getLogger("dagwell.engine.detached")
STARTUP_GRACE = 300.0  # s the liveness probe gives a pod to claim, take over and adopt


def submit(traced: TracedPipeline, orchestrator: Any) -> PipelineRun:
    """Record a new run and create the Job whose pod drives it; return the run (running)."""
    assert isinstance(orchestrator, KubernetesOrchestrator)
    home = resolve_home()
    artifacts = open_artifact_store(orchestrator.artifact_store or home.artifacts)
    run_id = new_run_id()
    plan, constant_refs = materialize_constants(
        traced.plan.named(run_id, traced.started), artifacts
    )
    store = Store.open(home.store_url)
    try:
        now = time.time()
        owner = submitted_owner(orchestrator.namespace, job_name(run_id))
        description = {**orchestrator.describe(), "job": job_name(run_id)}
        store.create_run(*run_record(plan, run_id, owner, description, now))
        if constant_refs:
            store.write([RecordArtifacts([r.to_json() for r in constant_refs], now)])
        api = orchestrator.api()
        try:
            manifest = build_job(orchestrator, run_id)
            with_retries(lambda: api.create_job(manifest), what=f"create Job {job_name(run_id)}")
        except KubeError as error:
            _never_started(store, home, run_id, owner, orchestrator, error)
            raise
        finally:
            api.close()
        return read_run(store, run_id, run_loader(store, artifacts))
    finally:
        store.close()


def _never_started(
    store: Store,
    home: Home,
    run_id: str,
    owner: str,
    orchestrator: KubernetesOrchestrator,
    error: KubeError,
) -> None:
    """The Job could not be created: record the run ended (``orchestrator_lost``) now
    rather than leave it ``running`` with nobody to drive it. If even that cannot reach
    the cluster, the next reader does it (:func:`reap_if_lost`: the Job is missing)."""
    try:
        engine, running = take_over(
            store, home, run_id, NullProgress(), dead_owner=owner, orchestrator=orchestrator
        )
        engine.recover_and_stop(
            running,
            f"its orchestrator Job could not be created: {error}",
            FailureKind.ORCHESTRATOR_LOST,
        )
    except Exception:
        log.exception("recording run %s as never started failed", run_id)


def _recorded(row: dict[str, Any]) -> KubernetesOrchestrator | None:
    description = dict(row.get("orchestrator") or {})
    if description.get("kind") != "kubernetes" or description.get("synchronous") is not False:
        return None
    orchestrator = from_description(description)
    assert isinstance(orchestrator, KubernetesOrchestrator)
    return orchestrator


def _owner_gone(api: KubeApi, owner: str | None, me: str) -> bool:
    """Whether the run's recorded owner can no longer act (so this pod may claim it)."""
    if owner is None or owner.startswith(SUBMITTED_PREFIX) or owner == me:
        return True
    found = owner_pod(owner)
    if found is None:
        return False  # someone outside the cluster (``dagwell runs resume``): the heartbeat tells
    pod = with_retries(lambda: api.get_pod(found[1]), what="get the previous orchestrator pod")
    phase = ((pod or {}).get("status") or {}).get("phase")
    return pod is None or phase in ("Succeeded", "Failed")


def orchestrate(run_ref: str, *, progress: Progress | None = None) -> int:
    """What an orchestrator pod runs: claim the run, drive it to its end. Returns the exit
    code: 0 when the run is recorded ended (by this pod or another)."""
    home = resolve_home()
    store = Store.open(home.store_url)
    try:
        run_id = store.resolve_run_id(run_ref)
        row = store.run_row(run_id)
        if row["status"] != RunStatus.RUNNING.value:
            log.info("run %s already ended %s; nothing to do", run_id, row["status"])
            return 0
        recorded = _recorded(row)
        if recorded is None:
            raise CannotTakeOver(f"Run {run_id} is not a detached Kubernetes run.")
        orchestrator = recorded.in_cluster()
        pod = os.environ.get(POD_ENV)
        me = pod_owner(orchestrator.namespace, pod) if pod else owner_tag()
        api = orchestrator.api()
        try:
            while True:
                alive = keep_alive(home, STARTUP_GRACE)  # waiting is not being stuck
                row = store.run_row(run_id)
                if row["status"] != RunStatus.RUNNING.value:
                    return 0
                if _owner_gone(api, row["owner"], me) or is_orphaned(
                    row["status"], row["heartbeat_at"], row["owner"]
                ):
                    break
                log.info("run %s is still owned by %s; waiting", run_id, row["owner"])
                time.sleep(min(2.0, ORPHAN_AFTER / 10))
        finally:
            api.close()
        engine, running = take_over(
            store,
            home,
            run_id,
            progress or NullProgress(),
            dead_owner=row["owner"],
            orchestrator=orchestrator,
            owner=me,
        )
        engine.options.alive_file = alive  # from its first heartbeat on, the engine's
        try:
            engine.recover(running)
        except BaseException:
            engine.runtime.close()
            raise
        engine.run()
        return 0
    finally:
        store.close()


def keep_alive(home: Home, ahead: float = 0.0) -> Path:
    """Stamp the heartbeat file the orchestrator pod's liveness probe reads, ``ahead``
    seconds into the future (a startup that may take that long is not stuck)."""
    path = home.root / ALIVE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    stamp = time.time() + ahead
    os.utime(path, (stamp, stamp))
    return path


def reap_if_lost(store: Store, home: Home, run_id: str) -> bool:
    """If ``run_id`` is a detached run whose Job gave up, record it ``failed``
    (``orchestrator_lost``) and stop its step pods; True when it did."""
    row = store.run_row(run_id)
    if row["status"] != RunStatus.RUNNING.value:
        return False
    orchestrator = _recorded(row)
    if orchestrator is None:
        return False
    api = orchestrator.api()
    try:
        job_of_run = str((row.get("orchestrator") or {}).get("job") or job_name(run_id))
        job = with_retries(lambda: api.get_job(job_of_run), what="get Job", window=10)
    except KubeError as error:
        log.warning("cannot check the orchestrator Job of run %s: %s", run_id, error)
        return False
    finally:
        api.close()
    why = job_failed(job)
    stale = is_orphaned(row["status"], row["heartbeat_at"], row["owner"])
    if why is None or (job is None and not stale):
        return False
    try:
        engine, running = take_over(
            store, home, run_id, NullProgress(), dead_owner=row["owner"], orchestrator=orchestrator
        )
    except CannotTakeOver:
        return False
    engine.recover_and_stop(
        running, f"the orchestrator is lost: {why}", FailureKind.ORCHESTRATOR_LOST
    )
    return True


def create_schedule(
    traced: TracedPipeline, orchestrator: Any, schedule: Schedule
) -> dict[str, Any]:
    """Create the CronJob of ``schedule``; returns it as ``dagwell schedules list`` shows it."""
    if not isinstance(orchestrator, KubernetesOrchestrator):
        file = sys.argv[0] if sys.argv and sys.argv[0].endswith(".py") else "pipeline.py"
        raise ConfigError(
            LOCAL_REFUSAL.format(cron=schedule.cron_expression, cwd=os.getcwd(), file=file)
        )
    if orchestrator.synchronous:
        orchestrator = replace(orchestrator, synchronous=False)  # checks store and artifacts
    traced.plan.named("0" * 12, datetime.datetime.now())  # (its run name, as a firing makes it)
    home = resolve_home()
    artifacts = open_artifact_store(orchestrator.artifact_store or home.artifacts)
    plan, constant_refs = materialize_constants(traced.plan, artifacts)
    if constant_refs:
        store = Store.open(home.store_url)
        try:
            store.write([RecordArtifacts([r.to_json() for r in constant_refs], time.time())])
        finally:
            store.close()
    payload = {
        "plan": plan.to_json(),
        "orchestrator": orchestrator.describe(),
        "schedule": schedule.to_json(),
    }
    manifest = build_cronjob(orchestrator, schedule, plan.pipeline, payload)
    api = orchestrator.api()
    try:
        created = with_retries(lambda: api.create_cronjob(manifest), what="create CronJob")
    except KubeConflict:
        name = manifest["metadata"]["name"]
        raise ConfigError(
            f"A schedule named {name!r} exists already in namespace {orchestrator.namespace!r}: "
            f"delete it first (`dagwell schedules delete {name}`) or give Schedule(name=...)."
        ) from None
    finally:
        api.close()
    return describe_cronjob(created)


def start_scheduled(*, progress: Progress | None = None) -> int:
    """What a scheduled Job's pod runs: record this Job's run (once), then drive it."""
    payload = json.loads(os.environ[PAYLOAD_ENV])
    plan = Plan.from_json(payload["plan"])
    description = dict(payload["orchestrator"])
    namespace = str(description.get("namespace") or "default")
    recorded = from_description(description)
    assert isinstance(recorded, KubernetesOrchestrator)
    api = recorded.in_cluster().api()
    try:
        me = os.environ[POD_ENV]
        job = owning_job(with_retries(lambda: api.get_pod(me), what="get this pod"))
    finally:
        api.close()
    if job is None:
        raise CannotTakeOver(f"Pod {me} is not owned by a Job; a schedule's pods are.")
    run_id = scheduled_run_id(namespace, job)
    schedule = payload.get("schedule")
    if schedule and not Schedule.from_json(schedule).active_at(datetime.datetime.now(datetime.UTC)):
        log.info("schedule is outside its start_time/end_time; no run")
        return 0
    home = resolve_home()
    store = Store.open(home.store_url)
    try:
        try:
            store.run_row(run_id)
        except RunNotFound:
            owner = submitted_owner(namespace, job)
            plan = plan.named(run_id, datetime.datetime.now())
            record = run_record(plan, run_id, owner, {**description, "job": job}, time.time())
            try:
                store.create_run(*record)
            except Exception as error:  # another pod of this Job recorded it first: drive that one
                try:
                    store.run_row(run_id)
                except RunNotFound:  # not that: the refusal (e.g. a run_name taken) stands
                    raise error from None
    finally:
        store.close()
    return orchestrate(run_id, progress=progress)
