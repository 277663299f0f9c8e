"""The chaos suite: many random pipelines under real faults, invariants checked after each.

Faults: steps that raise, exit, SIGKILL themselves, blow their own memory limit (real
kernel OOM kills) or hang past their timeout; the orchestrator SIGKILLed mid-run and the
run resumed by another process, or sent SIGTERM/SIGHUP (once or twice), after which it must
have stopped the run itself; the SQLite store locked by another writer; PostgreSQL
connections terminated under the orchestrator. After every run: it ended; its status is
the rules applied to its steps (some step ids hold spaces, accents, slashes or 140+
characters); every completed step's output loads and is right; every
fault was recorded as what it was; budgets held; no process and no cgroup was left.

    pytest -m chaos --chaos-faults 500        (`make chaos`; `make test` runs 200)
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import sqlite3
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import leftover_cgroups
from dagwell import Client, LocalOrchestrator, RunFailedError
from dagwell.core.run_rules import run_status
from dagwell.core.statuses import AttemptStatus, RunStatus, StepStatus
from helpers import TESTS, pid_alive

pytestmark = [pytest.mark.chaos, pytest.mark.cgroups, pytest.mark.timeout(1800)]

FAULTS = ["raise", "sigkill", "exit", "oom", "hang"]
EXPECTED_KIND = {
    "raise": "user_error",
    "sigkill": "lost",
    "exit": "user_error",
    "oom": "oom_killed",
    "hang": "timeout",
}
NODE = dict(memory="2GB", max_parallelism=4)


#: Most step ids are plain; some hold spaces, accents, slashes, dots or 140+ characters.
ODD_SUFFIXES = ["", "", "", " étape", "/a/../b", "..", "-" + "x" * 140]


def _number(name: str) -> int:
    return int(re.match(r"s(\d+)", name).group(1))  # type: ignore[union-attr]


def random_plan(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    steps, faults, sleep = [], {}, {}
    for i in range(rng.randint(3, 7)):
        name = f"s{i}{rng.choice(ODD_SUFFIXES)}"  # odd ids must work end to end
        earlier = [s["name"] for s in steps]
        ups = rng.sample(earlier, min(len(earlier), rng.choice([0, 1, 1, 2])))
        planned = {str(a): rng.choice(FAULTS) for a in (1, 2, 3) if rng.random() < 0.4}
        spec: dict[str, Any] = {
            "name": name,
            "ups": ups,
            "retry": {"max_retries": rng.randint(0, 3), "memory_factor": rng.choice([None, 2.0])},
        }
        if "oom" in planned.values():
            spec["memory"] = "120MB"
        if "hang" in planned.values():
            spec["timeout"] = 1.0
        steps.append(spec)
        faults[name] = planned
        sleep[name] = rng.choice([0.0, 0.0, 0.1, 0.4])
    plan = {"steps": steps, "mode": rng.choice(["stop", "continue"]), "infra": rng.randint(0, 2)}
    return plan, {"faults": faults, "sleep": sleep}


def expected_values(plan: dict[str, Any]) -> dict[str, int]:
    values: dict[str, int] = {}
    for spec in plan["steps"]:
        values[spec["name"]] = _number(spec["name"]) + sum(values[u] for u in spec["ups"])
    return values


class Chaos:
    def __init__(self) -> None:
        self.faults: Counter[str] = Counter()
        self.violations: list[str] = []
        self.runs = 0
        self._reported: set[str] = set()

    def new_leftovers(self) -> list[str]:
        """Node cgroups left since the last check: one run that leaves a cgroup is one
        violation, not one for every later round too."""
        new = [c for c in leftover_cgroups() if c not in self._reported]
        self._reported.update(new)
        return new

    def check(self, cond: bool, what: str) -> None:
        if not cond:
            self.violations.append(what)

    def verify(
        self,
        run_id: str,
        plan: dict[str, Any],
        workdir: Path,
        started: float,
        bound: float,
        interrupted: bool,
    ) -> None:
        self.runs += 1
        client = Client()
        run = client.get_run(run_id)
        tag = f"run {run_id}"
        self.check(run.status is not RunStatus.RUNNING, f"{tag} did not end")
        self.check(time.monotonic() - started < bound, f"{tag} took longer than {bound}s")
        rule = run_status([s.status for s in run.steps.values()], run.stop_requested)
        self.check(run.status is rule, f"{tag} is {run.status} but the rules say {rule}")
        values = expected_values(plan)
        retries = {s["name"]: s["retry"]["max_retries"] for s in plan["steps"]}
        timeouts = {s["name"]: s.get("timeout") for s in plan["steps"]}
        for name, s in run.steps.items():
            where = f"{tag} step {name}"
            numbers = [a.number for a in s.attempts]
            self.check(numbers == list(range(1, len(numbers) + 1)), f"{where} attempts {numbers}")
            self.check(
                all(a.status is not AttemptStatus.RUNNING for a in s.attempts),
                f"{where} has an attempt left running",
            )
            self.check(
                len(s.attempts) <= 1 + retries[name] + plan["infra"] + interrupted,
                f"{where} overspent its budgets ({len(s.attempts)} attempts)",
            )
            last = s.attempts[-1] if s.attempts else None
            if s.status is StepStatus.COMPLETED:
                self.check(
                    last is not None and last.status is AttemptStatus.COMPLETED,
                    f"{where} completed without a completed attempt",
                )
                try:
                    self.check(s.output.load() == values[name], f"{where} output is wrong")
                except Exception as error:
                    self.check(False, f"{where} output does not load: {error}")
            if s.status is StepStatus.SKIPPED:
                self.check(not s.attempts, f"{where} skipped but has attempts")
            if s.status is StepStatus.FAILED:
                self.check(
                    last is not None and last.status is AttemptStatus.FAILED,
                    f"{where} failed without a failed attempt",
                )
            for a in s.attempts:
                if a.external_id and a.external_id.isdigit():
                    self.check(
                        not pid_alive(int(a.external_id)),
                        f"{where} attempt {a.number} process is still alive",
                    )
        ledger = workdir / "ledger"
        for line in ledger.read_text().splitlines() if ledger.exists() else []:
            name, attempt, fault = line.rsplit(" ", 2)  # the name may hold spaces
            self.faults[fault] += 1
            attempts = run.steps[name].attempts
            number = int(attempt)
            if number > len(attempts):
                continue  # counted by the step, then killed with its orchestrator
            failure = attempts[number - 1].failure
            if (
                failure is None
                or "orchestrator died" in failure.message  # killed with it: no fault seen
                or failure.kind.value == "cancelled"
            ):
                continue
            duration = attempts[number - 1].duration
            if (  # (a loaded machine: its timeout came before the fault it was to commit)
                failure.kind.value == "timeout"
                and timeouts.get(name)
                and duration is not None
                and duration >= timeouts[name]
            ):
                continue
            self.check(
                failure.kind.value == EXPECTED_KIND[fault],
                f"{tag} {name} attempt {number}: fault {fault} recorded as {failure.kind.value}",
            )
        left = self.new_leftovers()
        self.check(not left, f"{tag} (interrupted: {interrupted}) left cgroups {left}")


def run_in_process(plan, cfg) -> str:
    import chaos_steps

    pipeline = chaos_steps.build(plan).with_options(orchestrator=LocalOrchestrator(**NODE))
    try:
        return pipeline(cfg).id
    except RunFailedError as error:
        return error.run.id


def run_killed_then_resumed(plan, cfg, rng, chaos: Chaos, home: Path) -> str | None:
    """Start the run in its own orchestrator process; SIGKILL it and resume it here, or
    SIGTERM/SIGHUP it (sometimes twice) and check it stopped itself like Ctrl-C.

    None when it was killed before it recorded its run: then nothing may be left behind."""
    import subprocess

    script = (
        f"import sys, json\nsys.path.insert(0, {str(TESTS)!r})\nimport chaos_steps\n"
        "from dagwell import LocalOrchestrator, RunFailedError\n"
        f"plan, cfg = json.loads({json.dumps(json.dumps([plan, cfg]))})\n"
        f"p = chaos_steps.build(plan).with_options(orchestrator=LocalOrchestrator("
        f"memory={NODE['memory']!r}, max_parallelism={NODE['max_parallelism']}))\n"
        "try:\n    p(cfg)\nexcept RunFailedError:\n    pass\n"
    )
    env = {**os.environ, "DAGWELL_PROGRESS": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    number = rng.choice([signal.SIGKILL, signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
    if number == signal.SIGKILL:
        time.sleep(rng.uniform(0.6, 2.5))
    else:  # mostly once the run is under way (the stop path), sometimes before
        deadline = time.monotonic() + (10 if rng.random() < 0.8 else 0)
        while time.monotonic() < deadline and proc.poll() is None:
            probe = Client(home)
            try:
                probe.get_run("latest")
                break
            except Exception:
                pass
            finally:
                probe.close()
            time.sleep(0.1)
        time.sleep(rng.uniform(0.0, 1.0))
    name = signal.Signals(number).name
    proc.send_signal(number)
    if number != signal.SIGKILL and rng.random() < 0.3:  # impatient: a second one
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(number)
    proc.wait(60)
    client = Client(home)
    try:
        run = client.get_run("latest")
    except Exception:
        chaos.faults[f"orchestrator {name} before its run was recorded"] += 1
        left = chaos.new_leftovers()
        chaos.check(not left, f"an unrecorded run left {left}")
        return None
    if number != signal.SIGKILL:  # stopped like Ctrl-C: ended, nothing left to resume
        chaos.faults[f"orchestrator {name}"] += 1
        chaos.check(
            proc.returncode in (-number, 0),
            f"run {run.id}: orchestrator exit {proc.returncode} after {name}",
        )
        chaos.check(run.status is not RunStatus.RUNNING, f"run {run.id} still running after {name}")
        return run.id
    if run.status is RunStatus.RUNNING:
        chaos.faults["orchestrator SIGKILL"] += 1
        with contextlib.suppress(RunFailedError):
            client.resume_run(run.id, progress=False)
    return run.id


def hold_sqlite_lock(db: Path, after: float, seconds: float, chaos: Chaos) -> threading.Thread:
    def hold() -> None:
        time.sleep(after)
        try:
            conn = sqlite3.connect(db, timeout=30, isolation_level=None)
            conn.execute("BEGIN EXCLUSIVE")
            chaos.faults["store locked by another writer"] += 1
            time.sleep(seconds)
            conn.execute("COMMIT")
            conn.close()
        except sqlite3.Error:
            pass

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    return thread


def drop_postgres_connections(
    admin_url: str, dbname: str, stop: threading.Event, chaos: Chaos
) -> threading.Thread:
    import psycopg

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            while not stop.wait(0.4):
                killed = conn.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (dbname,),
                ).fetchone()[0]
                if killed:
                    chaos.faults["store connection dropped"] += 1

    thread = threading.Thread(target=drop, daemon=True)
    thread.start()
    return thread


def test_chaos(tmp_path, monkeypatch, request, capsys, cgroups, postgres_server):
    import psycopg

    target = request.config.getoption("--chaos-faults")
    seed = int(os.environ.get("DAGWELL_CHAOS_SEED", "20261128"))
    rng = random.Random(seed)
    chaos = Chaos()
    monkeypatch.setenv("DAGWELL_PROGRESS", "0")
    monkeypatch.delenv("DAGWELL_ARTIFACT_STORE", raising=False)
    round_number = 0
    while sum(chaos.faults.values()) < target:
        round_number += 1
        home = tmp_path / f"round{round_number}"
        workdir = home / "work"
        workdir.mkdir(parents=True)
        monkeypatch.setenv("DAGWELL_HOME", str(home))
        plan, cfg = random_plan(rng)
        cfg["dir"] = str(workdir)
        use_pg = round_number % 4 == 0
        stop_dropping = threading.Event()
        if use_pg:
            dbname = f"chaos_{round_number}"
            with psycopg.connect(postgres_server.url, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {dbname}")
            monkeypatch.setenv(
                "DAGWELL_STORE_URL", postgres_server.url.rsplit("/", 1)[0] + f"/{dbname}"
            )
        else:
            monkeypatch.delenv("DAGWELL_STORE_URL", raising=False)
        started = time.monotonic()
        interrupted = rng.random() < 0.25
        if use_pg:
            drop_postgres_connections(postgres_server.url, dbname, stop_dropping, chaos)
        elif not interrupted and rng.random() < 0.5:
            hold_sqlite_lock(
                home / "dagwell.db", rng.uniform(0.2, 1.0), rng.uniform(0.3, 1.5), chaos
            )
        try:
            if interrupted:
                run_id = run_killed_then_resumed(plan, cfg, rng, chaos, home)
            else:
                run_id = run_in_process(plan, cfg)
        finally:
            stop_dropping.set()
        if run_id is not None:
            chaos.verify(run_id, plan, workdir, started, bound=120, interrupted=interrupted)
    summary = (
        f"chaos (seed {seed}): {chaos.runs} runs, {sum(chaos.faults.values())} faults "
        f"injected ({', '.join(f'{k} {v}' for k, v in sorted(chaos.faults.items()))}), "
        f"{len(chaos.violations)} invariant violations"
    )
    with capsys.disabled():
        print("\n" + summary)
        for violation in chaos.violations:
            print("  VIOLATION:", violation)
    assert chaos.violations == [], summary
