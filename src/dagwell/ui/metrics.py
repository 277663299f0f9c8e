"""``/metrics``: what the store knows, in Prometheus text format (prometheus_client).

Computed from the newest ``WINDOW`` runs at each scrape (a collector, no state kept between
scrapes): runs by status, attempts by failure kind and OOM scope, OOM kills, retries by
budget, queue depth, memory reserved vs node capacity of running runs, and a histogram of
completed attempts' durations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from dagwell.api.client import Client
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import AttemptStatus, RunStatus, StepStatus

WINDOW = 500
BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


class StoreCollector(Collector):
    def __init__(self, client: Client) -> None:
        self.client = client

    def collect(self) -> Iterator[Metric]:
        runs = self.client.list_runs(limit=WINDOW)
        by_status = Counter(r.display_status for r in runs)
        failures: Counter[tuple[str, str]] = Counter()
        retries: Counter[str] = Counter()
        durations: list[float] = []
        oom = queued = 0
        reserved = GaugeMetricFamily(
            "dagwell_memory_reserved_bytes",
            "Memory limits of running attempts, per running run",
            labels=["run"],
        )
        capacity = GaugeMetricFamily(
            "dagwell_node_capacity_bytes", "Node memory of each running run", labels=["run"]
        )
        for run in runs:
            running = run.status is RunStatus.RUNNING
            held = 0
            for s in run.steps.values():
                if running and s.status is StepStatus.QUEUED:
                    queued += 1
                for a in s.attempts:
                    if a.failure is not None:
                        scope = a.failure.oom_scope.value if a.failure.oom_scope else "none"
                        failures[(a.failure.kind.value, scope)] += 1
                        oom += a.failure.kind is FailureKind.OOM_KILLED
                    if a.budget:
                        retries[a.budget] += 1
                    if a.status is AttemptStatus.COMPLETED and a.duration is not None:
                        durations.append(a.duration)
                    if running and a.status is AttemptStatus.RUNNING:
                        held += a.memory_limit or a.memory_request or 0
            if running:
                reserved.add_metric([run.id], held)
                node = run.orchestrator.get("node_memory")
                if node:
                    capacity.add_metric([run.id], node)
        runs_metric = GaugeMetricFamily("dagwell_runs", "Runs by status", labels=["status"])
        for status in [*(s.value for s in RunStatus), "orphaned"]:
            runs_metric.add_metric([status], by_status.get(status, 0))
        yield runs_metric
        attempts = CounterMetricFamily(
            "dagwell_failed_attempts",
            "Failed attempts by kind and OOM scope",
            labels=["kind", "scope"],
        )
        for (kind, scope), n in sorted(failures.items()):
            attempts.add_metric([kind, scope], n)
        yield attempts
        yield CounterMetricFamily("dagwell_oom_kills", "Attempts the kernel OOM-killed", value=oom)
        retried = CounterMetricFamily(
            "dagwell_retries", "Retries by the budget they drew on", labels=["budget"]
        )
        for budget in ("step", "infra"):
            retried.add_metric([budget], retries.get(budget, 0))
        yield retried
        yield GaugeMetricFamily(
            "dagwell_queue_depth",
            "Steps of running runs waiting for memory or a slot",
            value=queued,
        )
        yield reserved
        yield capacity
        buckets = [(str(b), sum(1 for d in durations if d <= b)) for b in BUCKETS]
        buckets.append(("+Inf", len(durations)))
        yield HistogramMetricFamily(
            "dagwell_step_duration_seconds",
            "Durations of completed attempts",
            buckets=buckets,
            sum_value=sum(durations),
        )


def metrics_text(client: Client) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(client))
    return generate_latest(registry)
