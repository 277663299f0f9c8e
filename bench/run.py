"""dagwell and the frameworks a user would pick instead, side by side, in one invocation.

    python bench/run.py                          # every peer (installs each once)
    python bench/run.py --peers zenml,ray        # a subset (make bench PEERS=zenml,ray)
    python bench/run.py --quick                  # sizes 1, 10, 100 only
    python bench/run.py --peers none             # dagwell alone

Each peer runs in its own virtual environment, bench/.venvs/<peer> (pinned versions,
telemetry off; see bench/peers/registry.py). Every measurement runs in its own process
with a fresh, warmed-up home (one 1-step run first, as a user's store would be), so import
time and store creation are not counted as per-step overhead. Per-step overhead is the
marginal wall time of one more step: (T(n) - T(1)) / (n - 1), with T the median of
--repeat runs, all frameworks and modes measured in turns (so a machine that speeds up or
slows down affects all alike). A point whose first run took over 20 s is measured once;
modes that start a process per step at >50 ms run sizes up to --slow-max (100) only. The
load average before and after is recorded. Results: bench/results/latest.json and latest.md, and the
README table between its bench markers (full runs only).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).parent
ROOT = HERE.parent
VENVS = HERE / ".venvs"
PY = sys.executable
sys.path.insert(0, str(HERE))
from peers.registry import DAGWELL_ISOLATES, PEERS, TELEMETRY_OFF, Peer  # noqa: E402

ONCE_AFTER = 20.0  # seconds: a point whose first run took longer is measured once


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem / 10**9, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_before": os.getloadavg(),
    }


def _tree_rss(proc: psutil.Process, seen: dict[int, psutil.Process]) -> int:
    total = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        seen.setdefault(member.pid, member)
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def run_json(cmd: list[str], env: dict[str, str], timeout: float = 900) -> dict[str, Any]:
    """Run a workload process in a session of its own; return its JSON result, its whole
    process tree's CPU time, wall time and peak RSS (sampled every 20 ms). Whatever the
    workload left running (servers, daemons) is killed afterwards."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=err, text=True, start_new_session=True
        )
        handle = psutil.Process(proc.pid)
        seen: dict[int, psutil.Process] = {}
        peak = 0
        timed_out = False
        while proc.poll() is None:
            peak = max(peak, _tree_rss(handle, seen))
            if time.perf_counter() - started > timeout:
                timed_out = True
                break
            time.sleep(0.02)
        cpu = 0.0
        for member in seen.values():
            try:
                times = member.cpu_times()
                cpu += times.user + times.system
            except psutil.Error:
                pass
        _kill_tree(proc.pid, seen)
        proc.wait()
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if timed_out:
        return {"error": f"did not finish within {timeout:.0f} s", "timeout": True}
    line = next(
        (ln for ln in reversed(stdout.splitlines()) if ln.startswith(("{", "BENCH-RESULT"))),
        None,
    )
    if proc.returncode != 0 or line is None:
        return {"error": (stderr or stdout)[-2000:], "returncode": proc.returncode}
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH-RESULT "))
    result["process_wall"] = elapsed
    result["tree_peak_rss"] = peak
    result["tree_cpu_sampled"] = cpu  # lower bound: members that ended between samples
    return result


def _kill_tree(pid: int, seen: dict[int, psutil.Process]) -> None:
    with contextlib.suppress(OSError, psutil.Error):
        os.killpg(pid, signal.SIGKILL)
    for member in seen.values():
        with contextlib.suppress(OSError, psutil.Error):
            if member.is_running():
                member.kill()


class Framework:
    """One mode of one framework: how to run its workload script, with which env."""

    timeout = 240.0  # seconds per workload process (set from --timeout)
    slow_max = 100  # the biggest size a slow mode runs (set from --slow-max)
    warm_up = True  # a first 1-step run in each fresh home (store creation is not per step)

    def __init__(self, name: str, mode: str, isolates: str, slow: bool = False) -> None:
        self.name, self.mode, self.isolates, self.slow = name, mode, isolates, slow
        self.broken: dict[str, Any] | None = None  # a run that timed out: the mode is skipped

    @property
    def label(self) -> str:
        return f"{self.name} {self.mode}"

    def env(self, home: str) -> dict[str, str]:
        raise NotImplementedError

    def cmd(self, *args: str) -> list[str]:
        raise NotImplementedError

    def fresh_home(self) -> str:
        home = tempfile.mkdtemp(prefix=f"bench-{self.name}-")
        if not self.warm_up:
            return home
        warm = run_json(self.cmd("overhead", "--steps", "1"), self.env(home), self.timeout)
        if warm.get("timeout"):
            self.broken = warm
        return home

    def measure(self, *args: str) -> dict[str, Any]:
        """One workload in a fresh home; once a run of this mode timed out, the rest of
        its points are not tried (a hung framework would otherwise eat the whole run)."""
        if self.broken is None:
            home = self.fresh_home()
            if self.broken is None:
                result = run_json(self.cmd(*args), self.env(home), self.timeout)
                if result.get("timeout"):
                    self.broken = result
                return result
        return {**self.broken, "skipped_after_timeout": True}


class Dagwell(Framework):
    def __init__(self) -> None:
        super().__init__("dagwell", "local", DAGWELL_ISOLATES)

    def env(self, home: str) -> dict[str, str]:
        src = str(ROOT / "src")
        return {
            **os.environ,
            "DAGWELL_HOME": home,
            "DAGWELL_PROGRESS": "0",
            "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""),
        }

    def cmd(self, *args: str) -> list[str]:
        return [PY, str(HERE / "dagwell_workloads.py"), *args, "--mode", self.mode]


class PeerFramework(Framework):
    def __init__(self, peer: Peer, mode: str) -> None:
        super().__init__(peer.name, mode, peer.modes[mode], mode in peer.slow_modes)
        self.peer = peer
        self.warm_up = peer.warm_up and Framework.warm_up

    def env(self, home: str) -> dict[str, str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("DAGWELL", "VIRTUAL"))}
        return {
            **clean,
            **TELEMETRY_OFF,
            **self.peer.env,
            "BENCH_HOME": home,
            self.peer.home_var: home,
            "PYTHONPATH": str(HERE / "peers"),
        }

    def cmd(self, *args: str) -> list[str]:
        python = VENVS / self.peer.name / "bin" / "python"
        return [str(python), str(HERE / self.peer.script), *args, "--mode", self.mode]


def install(peer: Peer) -> str | None:
    """Create the peer's virtual environment with its pinned version; return why not."""
    venv = VENVS / peer.name
    marker = venv / f".installed-{peer.version}"
    if marker.exists():
        return None
    log(f"installing {peer.requirement} into {venv} (once)")
    subprocess.run([PY, "-m", "venv", "--clear", str(venv)], check=True)
    proc = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            peer.requirement,
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return f"pip install {peer.requirement} failed: {proc.stderr.strip()[-400:]}"
    marker.touch()
    return None


def import_time(fw: Framework, repeats: int = 3) -> float | None:
    home = tempfile.mkdtemp(prefix=f"bench-{fw.name}-")
    times = [run_json(fw.cmd("import"), fw.env(home)).get("import_seconds") for _ in range(repeats)]
    good = [t for t in times if isinstance(t, float)]
    return statistics.median(good) if good else None


def overheads(
    frameworks: list[Framework], sizes: list[int], repeat: int, slow_only: int | None = None
) -> dict[str, dict[str, Any]]:
    """Per-step overhead, every framework measured in turns, median of ``repeat``."""
    out: dict[str, dict[str, Any]] = {fw.label: {} for fw in frameworks}
    for shape in ("fanout", "chain"):
        rows: dict[str, dict[int, dict[str, Any]]] = {fw.label: {} for fw in frameworks}
        for n in sizes:
            samples: dict[str, list[dict[str, Any]]] = {fw.label: [] for fw in frameworks}
            for round_ in range(repeat):
                for fw in frameworks:
                    if fw.slow and n > fw.slow_max:
                        continue
                    if not fw.slow and n == slow_only:
                        continue
                    done = samples[fw.label]
                    if round_ > 0 and (
                        not done
                        or "wall" not in done[0]
                        or done[0].get("process_wall", 0) > ONCE_AFTER
                    ):
                        continue  # failed, timed out or slow: measured once
                    log(f"{fw.label}: {shape} of {n} no-op steps ({round_ + 1}/{repeat})")
                    done.append(fw.measure("overhead", "--shape", shape, "--steps", str(n)))
            for fw in frameworks:
                got = samples[fw.label]
                good = [r for r in got if "wall" in r]
                if not good:
                    if got:
                        rows[fw.label][n] = got[-1]
                    continue
                median = sorted(good, key=lambda r: r["wall"])[len(good) // 2]
                rows[fw.label][n] = {**median, "walls": [r["wall"] for r in good]}
        for fw in frameworks:
            base = rows[fw.label].get(1, {}).get("wall")
            for n, row in rows[fw.label].items():
                if n > 1 and base is not None and "wall" in row:
                    row["per_step"] = (row["wall"] - base) / (n - 1)
            out[fw.label][shape] = rows[fw.label]
    return out


def in_node(fw: Framework, args: list[str], limit_mb: int, timeout: float) -> dict[str, Any]:
    """Run a peer's workload with its whole process tree in a memory cgroup of
    ``limit_mb`` (the seed scenario's node); report what it says and how long it took."""
    from dagwell.runtimes.cgroups import detect

    setup = detect("auto", node_dir="dagwell-bench")
    if setup.version != "v1" or setup.base is None:
        return {"skipped": f"needs a cgroup v1 memory controller: {setup.reason}"}
    group = setup.base / f"{fw.name}-{os.getpid()}"
    group.mkdir(parents=True, exist_ok=True)
    try:
        (group / "memory.limit_in_bytes").write_text(str(limit_mb * 10**6))
        wrapper = (
            "import os,sys; open(sys.argv[1],'w').write(str(os.getpid())); "
            "os.execv(sys.argv[2], sys.argv[2:])"
        )
        started = time.perf_counter()
        result = run_json(
            [PY, "-c", wrapper, str(group / "cgroup.procs"), *fw.cmd(*args)],
            fw.env(tempfile.mkdtemp(prefix=f"bench-{fw.name}-")),
            timeout=timeout,
        )
        result["seconds"] = time.perf_counter() - started
        oom = (group / "memory.oom_control").read_text().split()
        result["oom_kills"] = int(oom[oom.index("oom_kill") + 1]) if "oom_kill" in oom else None
        return result
    finally:
        for pid in (group / "cgroup.procs").read_text().split():
            with contextlib.suppress(OSError, psutil.Error):
                os.kill(int(pid), signal.SIGKILL)
        time.sleep(0.2)
        group.rmdir()
        with contextlib.suppress(OSError, psutil.Error):
            setup.base.rmdir()


def oom_truth_zenml(fw: Framework) -> dict[str, Any]:
    """What ZenML says about a run 10 s after its process was OOM-killed."""
    result = in_node(fw, ["oom-run", "--mb", "1000"], 500, timeout=600)
    time.sleep(10)
    home = tempfile.mkdtemp(prefix="bench-zenml-")
    status = run_json(fw.cmd("last-status"), fw.env(home))
    return {"process": result.get("error", "")[-200:], "status_10s_later": status.get("status")}


def choose(names: str) -> list[str]:
    if names in ("", "all"):
        return list(PEERS)
    if names == "none":
        return []
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in PEERS]
    if unknown:
        raise SystemExit(
            f"unknown peer(s) {', '.join(unknown)}; choose from {', '.join(PEERS)} "
            "(or 'all' / 'none')"
        )
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--peers", default=os.environ.get("PEERS", "all"))
    parser.add_argument("--quick", action="store_true", help="sizes 1, 10, 100 only")
    parser.add_argument("--repeat", type=int, default=3, help="runs per point (median)")
    parser.add_argument("--sizes", help="comma-separated step counts (default 1,10,100,1000)")
    parser.add_argument("--timeout", type=float, default=240, help="seconds per workload run")
    parser.add_argument(
        "--slow-max", type=int, default=100, help="biggest size for process-per-step modes"
    )
    parser.add_argument("--no-seed", dest="seed", action="store_false")
    parser.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    parser.add_argument(
        "--no-warm-up",
        dest="warm_up",
        action="store_false",
        help="no first 1-step run per fresh home (per-step overheads are differences, so a "
        "first run's store creation cancels out; the 1-step column then includes it)",
    )
    parser.add_argument(
        "--no-peer-seed", dest="peer_seed", action="store_false", help="seed: dagwell only"
    )
    readme = parser.add_mutually_exclusive_group()
    readme.add_argument(
        "--readme", dest="readme", action="store_true", default=None, help="update README.md"
    )
    readme.add_argument(
        "--no-readme", dest="readme", action="store_false", help="leave README.md alone"
    )
    args = parser.parse_args()
    sizes = [1, 10, 100] if args.quick else [1, 10, 100, 1000]
    if args.sizes:
        sizes = sorted({1, *(int(n) for n in args.sizes.split(","))})
    Framework.timeout = args.timeout
    Framework.slow_max = args.slow_max
    slow_only = None
    if any(n > args.slow_max for n in sizes) and args.slow_max not in sizes:
        slow_only = args.slow_max  # the point the slow modes measure instead
        sizes = sorted({*sizes, slow_only})
    Framework.warm_up = args.warm_up
    results: dict[str, Any] = {"machine": machine(), "sizes": sizes, "unavailable": {}}
    results["slow_max"] = args.slow_max
    results["machine"]["dagwell"] = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    frameworks: list[Framework] = [Dagwell()]
    for name in choose(args.peers):
        peer = PEERS[name]
        why = install(peer)
        if why:
            log(f"{name} unavailable: {why}")
            results["unavailable"][name] = why
            continue
        results["machine"][name] = peer.version
        frameworks += [PeerFramework(peer, mode) for mode in peer.modes]
    measured = overheads(frameworks, sizes, args.repeat, slow_only)
    for fw in frameworks:
        log(f"{fw.label}: import time")
        entry: dict[str, Any] = {
            "isolates": fw.isolates,
            "import_seconds": import_time(fw, min(3, args.repeat)),
            "overhead": measured[fw.label],
        }
        if args.seed and isinstance(fw, Dagwell):
            log("dagwell: seed scenario")
            entry["seed"] = fw.measure("seed", "--declared")
            entry["seed_undeclared"] = fw.measure("seed")
            log("dagwell: OOM detection latency")
            entry["oom_latency"] = fw.measure("oom-latency", "--rounds", "5")
        elif args.seed and args.peer_seed and fw.mode == next(iter(PEERS[fw.name].modes)):
            log(f"{fw.label}: seed scenario in a 1400 MB node")
            entry["seed"] = in_node(fw, ["seed"], 1400, timeout=min(args.timeout, 180))
            if fw.name == "zenml":
                entry["oom_truth"] = oom_truth_zenml(fw)
        results[fw.label] = entry
    results["machine"]["load_after"] = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    from table import header, table

    text = header(results) + "\n\n" + table(results, [fw.label for fw in frameworks])
    out.with_suffix(".md").write_text(text + "\n")
    print(text)
    print(f"\n(written to {out} and {out.with_suffix('.md')})")
    full = not args.quick and not args.sizes and len(frameworks) > 1
    if args.readme or (args.readme is None and full):
        update_readme(text)


def update_readme(text: str) -> None:
    """Put the table between the README's bench markers, so it always shows the latest."""
    readme = ROOT / "README.md"
    content = readme.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start not in content or end not in content:
        return
    head, rest = content.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{text}\n{end}{tail}")
    print("(README.md updated)")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
