"""The benchmark workloads for Dagster (runs in bench/.venvs/dagster).

Modes: ``inprocess`` (the in-process executor) and ``multiprocess`` (a process per op).
Both record the run, its events and outputs in a durable instance under DAGSTER_HOME
(SQLite run and event-log storage, filesystem IO manager).
"""

from __future__ import annotations

import sys
import time

from common import emit, hog, parser, seed_result, timed

T0 = time.perf_counter()
from dagster import (  # noqa: E402
    DagsterInstance,
    In,
    Nothing,
    execute_job,
    in_process_executor,
    job,
    multiprocess_executor,
    op,
    reconstructable,
)

IMPORT_SECONDS = time.perf_counter() - T0
ARGS = parser(["inprocess", "multiprocess"]).parse_args()


@op
def noop() -> None:
    return None


@op
def first() -> int:
    return 0


@op
def passthrough(x: int) -> int:
    return x


@op(ins={"start": In(Nothing)}, config_schema={"seconds": float})
def dagster_hog(context) -> None:
    hog(400, context.op_config["seconds"])


def executor():
    if ARGS.mode == "inprocess":
        return in_process_executor
    return multiprocess_executor.configured({"max_concurrent": ARGS.parallelism})


def make_job():
    """Built at import time from the command line, so that ``reconstructable`` (which the
    multiprocess executor needs: each op process re-imports this module) finds it."""
    if ARGS.workload == "seed":

        @job(executor_def=executor())
        def seed_job() -> None:
            for i in range(ARGS.steps):
                dagster_hog.alias(f"hog_{i}")()

        return seed_job
    if ARGS.shape == "fanout":

        @job(executor_def=executor())
        def fanout_job() -> None:
            for i in range(ARGS.steps):
                noop.alias(f"noop_{i}")()

        return fanout_job

    @job(executor_def=executor())
    def chain_job() -> None:
        x = first()
        for i in range(ARGS.steps - 1):
            x = passthrough.alias(f"passthrough_{i}")(x)

    return chain_job


the_job = make_job()


def run_job(config: dict | None = None) -> bool:
    with DagsterInstance.get() as instance:
        result = execute_job(reconstructable(make_job_entry), instance, run_config=config)
        return bool(result.success)


def make_job_entry():
    return the_job


def main() -> None:
    if ARGS.workload == "import":
        emit({}, IMPORT_SECONDS)
        return
    if ARGS.workload == "seed":
        config = {"ops": {f"hog_{i}": {"config": {"seconds": ARGS.seconds}} for i in range(10)}}
        started = time.perf_counter()
        ok = run_job(config)
        makespan = time.perf_counter() - started
        emit(seed_result(makespan, ARGS.seconds, "completed" if ok else "failed"), IMPORT_SECONDS)
        return
    outcome: dict[str, bool] = {}
    result = timed(lambda: outcome.setdefault("ok", run_job()))
    result["status"] = "completed" if outcome.get("ok") else "failed"
    emit(result, IMPORT_SECONDS)


if __name__ == "__main__":
    sys.setrecursionlimit(10000)
    main()
