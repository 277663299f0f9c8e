# The checks of a public grader for a "why did the nightly run fail" task (a ZenML user's
# tests: they read the recorded history back with the Client), run against a daily sales
# pipeline in the shape it describes: the seeded history has a run named job-<date> whose
# `parse` step failed on timestamps written with slashes, and the grader asserts
# `failed.exception_info and "ValueError" in failed.exception_info.source`, finds runs by
# name prefix and their `load` step's date parameter, and compares step statuses (dagwell
# also records the steps a failure skipped, as `skipped`: they are left out here). Before:
# 'StepRun' object has no attribute 'exception_info'.
import csv
import os
import tempfile
from datetime import datetime
from typing import Annotated, Any

from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.enums import ExecutionStatus

PIPELINE = "daily_sales"


@step
def load(date: str, folder: str) -> Annotated[list, "rows"]:
    with open(os.path.join(folder, f"{date}.csv")) as f:
        return list(csv.DictReader(f))


@step
def parse(rows: list) -> Annotated[list, "parsed"]:
    parsed = []
    for row in rows:
        when = datetime.strptime(row["ts"], "%Y-%m-%d %H:%M:%S")
        parsed.append({"ts": when.isoformat(), "region": row["region"], "amount": float(row["amount"])})
    return parsed


@step
def summarise(parsed: list) -> dict:
    regions: dict = {}
    for row in parsed:
        regions.setdefault(row["region"], []).append(row["amount"])
    return {
        "rows": len(parsed),
        "total": round(sum(r["amount"] for r in parsed), 2),
        "regions": {k: {"count": len(v), "total": round(sum(v), 2)} for k, v in regions.items()},
    }


@step
def write_report(summary: dict) -> None:
    print(summary)


@pipeline(name=PIPELINE, enable_cache=False)
def daily_sales(date: str, folder: str):
    write_report(summarise(parse(load(date, folder))))


def all_runs() -> list:
    return list(Client().list_pipeline_runs(sort_by="asc:created", size=500).items)


def load_date(run: Any):
    step = run.steps.get("load")
    return str(step.config.parameters.get("date")) if step else None


def summary_of(run: Any):
    step = run.steps.get("summarise")
    if step is None or step.status not in (ExecutionStatus.COMPLETED, ExecutionStatus.CACHED):
        return None
    versions = [v for vs in step.outputs.values() for v in vs]
    return versions[0].load() if versions else None


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        days = {
            "2026-08-21": "2026-08-21 10:00:00",
            "2026-08-22": "2026/08/22 13:17:08",  # the fault: slashes
        }
        for date, ts in days.items():
            with open(os.path.join(folder, f"{date}.csv"), "w") as f:
                f.write(f"ts,region,amount\n{ts},north,10.5\n{ts},south,4.5\n")
            try:
                daily_sales.with_options(run_name=f"job-{date}-{{time}}")(date=date, folder=folder)
            except RuntimeError:
                pass

        runs = all_runs()
        by_prefix = {p: [r for r in runs if r.name.startswith(p)] for p in ("job-2026-08-21", "job-2026-08-22")}
        good = by_prefix["job-2026-08-21"][0]
        assert str(good.status) == "completed" and load_date(good) == "2026-08-21"
        assert summary_of(good) == {
            "rows": 2,
            "total": 15.0,
            "regions": {"north": {"count": 1, "total": 10.5}, "south": {"count": 1, "total": 4.5}},
        }
        bad = by_prefix["job-2026-08-22"][0]
        assert str(bad.status) == "failed" and load_date(bad) == "2026-08-22"
        ran = {n: str(s.status) for n, s in bad.steps.items() if str(s.status) != "skipped"}
        assert ran == {"load": "completed", "parse": "failed"}, ran
        assert summary_of(bad) is None

        failed = bad.steps["parse"]
        assert failed.exception_info and "ValueError" in failed.exception_info.source
        info = failed.exception_info
        assert info.source == "builtins.ValueError"
        assert info.message == "time data '2026/08/22 13:17:08' does not match format '%Y-%m-%d %H:%M:%S'"
        assert "strptime" in info.traceback and info.traceback.startswith("  File ")
        assert info.user_code_line == 4  # the strptime line, counted from @step
        assert bad.steps["load"].exception_info is None and good.steps["parse"].exception_info is None
        assert {p.name for p in Client().list_pipelines(size=50).items} == {PIPELINE}
