"""The peers ``make bench`` compares dagwell with: pinned versions, modes, environments.

A peer runs in its own virtual environment under bench/.venvs/<name> (gitignored),
created on first use with exactly the pinned version; telemetry is off for all of them.
``isolates`` says, per mode, what a step runs in and what the framework records durably,
so that a number is never read without what it buys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "ZENML_ANALYTICS_OPT_IN": "false",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "RAY_USAGE_STATS_ENABLED": "0",
    "KEDRO_DISABLE_TELEMETRY": "true",
    "METAFLOW_DISABLE_TELEMETRY": "1",
}


@dataclass(frozen=True)
class Peer:
    name: str
    requirement: str  # what pip installs, pinned
    version: str
    script: str  # under bench/ (zenml) or bench/peers/
    modes: dict[str, str]  # mode -> what it isolates / persists
    slow_modes: tuple[str, ...] = ()  # a process per step at >50 ms: sizes up to 100 only
    env: dict[str, str] = field(default_factory=dict)
    home_var: str = "BENCH_HOME"  # the variable that points the peer at a fresh home
    warm_up: bool = True  # False: nothing is created on a first run (no store to warm)


PEERS: dict[str, Peer] = {
    p.name: p
    for p in (
        Peer(
            "zenml",
            "zenml[local]==0.98.0",
            "0.98.0",
            "zenml_workloads.py",
            {"local": "in-process, sequential / durable (SQLite)"},
            env={
                "ZENML_LOGGING_VERBOSITY": "ERROR",
                "AUTO_OPEN_DASHBOARD": "false",
                "ZENML_ENABLE_REPO_INIT_WARNINGS": "false",
            },
            home_var="ZENML_CONFIG_PATH",
        ),
        Peer(
            "prefect",
            "prefect==3.9.1",
            "3.9.1",
            "peers/prefect_workloads.py",
            {
                "threads": "threads in one process / durable (local server, SQLite)",
                "processes": "process pool / durable (local server, SQLite)",
            },
            slow_modes=("processes",),
            env={
                "PREFECT_LOGGING_LEVEL": "ERROR",
                "PREFECT_SERVER_LOGGING_LEVEL": "ERROR",
                "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
            },
            home_var="PREFECT_HOME",
            warm_up=False,  # each process warms its own server (timed apart)
        ),
        Peer(
            "dagster",
            "dagster==1.13.29",
            "1.13.29",
            "peers/dagster_workloads.py",
            {
                "inprocess": "in-process / durable (SQLite instance)",
                "multiprocess": "process per op / durable (SQLite instance)",
            },
            slow_modes=("multiprocess",),
            home_var="DAGSTER_HOME",
        ),
        Peer(
            "metaflow",
            "metaflow==2.19.39",
            "2.19.39",
            "peers/metaflow_workloads.py",
            {"local": "process per task / durable (local datastore)"},
            slow_modes=("local",),
            env={"METAFLOW_USER": "bench", "USERNAME": "bench"},
            warm_up=False,
        ),
        Peer(
            "kedro",
            "kedro==1.7.0",
            "1.7.0",
            "peers/kedro_workloads.py",
            {
                "sequential": "in-process / nothing recorded",
                "parallel": "process pool / nothing recorded",
            },
            slow_modes=("parallel",),
            warm_up=False,
        ),
        Peer(
            "ray",
            "ray==2.60.0",
            "2.60.0",
            "peers/ray_workloads.py",
            {"tasks": "pooled worker processes, no memory limit / not durable"},
            warm_up=False,
        ),
    )
}

DAGWELL_ISOLATES = "process + cgroup (memory limit) per attempt / durable (SQLite)"
