"""dagwell vs ZenML, side by side on this machine, in one invocation.

    python bench/run.py                  # everything (installs ZenML in bench/.zenml-venv)
    python bench/run.py --quick          # sizes 1, 10, 100 only
    python bench/run.py --no-zenml       # dagwell alone

Each measurement runs in its own process with a fresh, warmed-up home (one 1-step run
first, as a user's store would be), so import time and store creation are not counted
as per-step overhead. Per-step overhead is the marginal wall time of one more step:
(T(n) - T(1)) / (n - 1), with T the median of --repeat runs, the two frameworks measured
in turns. Results are printed as a table and written to
bench/results/latest.json and bench/results/latest.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ROOT = HERE.parent
ZENML_VENV = HERE / ".zenml-venv"
PY = sys.executable


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
    }


def run_json(cmd: list[str], env: dict[str, str], timeout: float = 1800) -> dict[str, Any]:
    """Run a workload process; return its JSON result plus its whole process CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(
        (ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith(("{", "BENCH-RESULT"))),
        None,
    )
    if proc.returncode != 0 or line is None:
        return {"error": (proc.stderr or proc.stdout)[-2000:], "returncode": proc.returncode}
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH-RESULT "))
    result["process_seconds"] = (after.ru_utime - before.ru_utime) + (
        after.ru_stime - before.ru_stime
    )
    result["process_wall"] = elapsed
    return result


class Framework:
    name = ""

    def env(self, home: str) -> dict[str, str]:
        raise NotImplementedError

    def cmd(self, *args: str) -> list[str]:
        raise NotImplementedError

    def fresh_home(self) -> str:
        home = tempfile.mkdtemp(prefix=f"bench-{self.name}-")
        run_json(self.cmd("overhead", "--steps", "1"), self.env(home))  # warm-up
        return home

    def measure(self, *args: str) -> dict[str, Any]:
        return run_json(self.cmd(*args), self.env(self.fresh_home()))


class Dagwell(Framework):
    name = "dagwell"

    def env(self, home: str) -> dict[str, str]:
        src = str(ROOT / "src")
        return {
            **os.environ,
            "DAGWELL_HOME": home,
            "DAGWELL_PROGRESS": "0",
            "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""),
        }

    def cmd(self, *args: str) -> list[str]:
        return [PY, str(HERE / "dagwell_workloads.py"), *args]


class ZenML(Framework):
    name = "zenml"

    def env(self, home: str) -> dict[str, str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("DAGWELL", "VIRTUAL"))}
        return {
            **clean,
            "ZENML_CONFIG_PATH": home,
            "ZENML_ANALYTICS_OPT_IN": "false",
            "ZENML_LOGGING_VERBOSITY": "ERROR",
            "AUTO_OPEN_DASHBOARD": "false",
            "ZENML_ENABLE_REPO_INIT_WARNINGS": "false",
            "PYTHONPATH": "",
        }

    def cmd(self, *args: str) -> list[str]:
        return [str(ZENML_VENV / "bin" / "python"), str(HERE / "zenml_workloads.py"), *args]

    @staticmethod
    def install(version: str) -> str | None:
        """Install ZenML in its own virtual environment; return why not, or None."""
        python = ZENML_VENV / "bin" / "python"
        marker = ZENML_VENV / f".installed-{version}"
        if marker.exists():
            return None
        log(f"installing zenml[local]=={version} into {ZENML_VENV} (once)")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(ZENML_VENV)], check=True)
        proc = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                f"zenml[local]=={version}",
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            return f"pip install zenml[local]=={version} failed: {proc.stderr[-500:]}"
        marker.touch()
        return None


def import_time(fw: Framework, home: str, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        result = run_json(fw.cmd("import"), fw.env(home))
        times.append(result.get("import_seconds", float("nan")))
    return statistics.median(times)


def overheads(
    frameworks: list[Framework], sizes: list[int], repeat: int
) -> dict[str, dict[str, Any]]:
    """Per-step overhead, the frameworks measured in turns (so that a machine that speeds
    up or slows down during the benchmark affects both alike), median of ``repeat``."""
    out: dict[str, dict[str, Any]] = {fw.name: {} for fw in frameworks}
    for shape in ("fanout", "chain"):
        rows: dict[str, dict[int, dict[str, Any]]] = {fw.name: {} for fw in frameworks}
        for n in sizes:
            samples: dict[str, list[dict[str, Any]]] = {fw.name: [] for fw in frameworks}
            for round_ in range(repeat):
                for fw in frameworks:
                    log(f"{fw.name}: {shape} of {n} no-op steps ({round_ + 1}/{repeat})")
                    samples[fw.name].append(
                        fw.measure("overhead", "--shape", shape, "--steps", str(n))
                    )
            for fw in frameworks:
                good = [r for r in samples[fw.name] if "wall" in r]
                if not good:
                    rows[fw.name][n] = samples[fw.name][-1]
                    continue
                median = sorted(good, key=lambda r: r["wall"])[len(good) // 2]
                rows[fw.name][n] = {**median, "walls": [r["wall"] for r in good]}
        for fw in frameworks:
            base = rows[fw.name].get(1, {}).get("wall")
            for n, row in rows[fw.name].items():
                if n > 1 and base is not None and "wall" in row:
                    row["per_step"] = (row["wall"] - base) / (n - 1)
            out[fw.name][shape] = rows[fw.name]
    return out


def oom_truth(fw: Framework, cgroup_limit_mb: int, alloc_mb: int) -> dict[str, Any]:
    """A step that needs more memory than the machine allows. What does each framework
    say about the run afterwards, and how long until it says so?"""
    home = fw.fresh_home()
    env = fw.env(home)
    started = time.perf_counter()
    if fw.name == "zenml":
        from dagwell.runtimes.cgroups import detect

        setup = detect("auto", node_dir="dagwell-bench")
        if setup.version != "v1" or setup.base is None:
            return {"skipped": f"needs a cgroup v1 memory controller: {setup.reason}"}
        group = setup.base / f"zenml-{os.getpid()}"
        group.mkdir(parents=True, exist_ok=True)
        (group / "memory.limit_in_bytes").write_text(str(cgroup_limit_mb * 10**6))
        wrapper = (
            "import os,sys; open(sys.argv[1],'w').write(str(os.getpid())); "
            "os.execv(sys.argv[2], sys.argv[2:])"
        )
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                wrapper,
                str(group / "cgroup.procs"),
                *fw.cmd("oom-run", "--mb", str(alloc_mb)),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        killed = proc.returncode
        time.sleep(10)
        status = run_json(fw.cmd("last-status"), env)
        group.rmdir()
        setup.base.rmdir()
        return {
            "process_exit": killed,
            "status_10s_later": status.get("status"),
            "steps": status.get("steps"),
        }
    result = run_json(
        fw.cmd("oom-truth", "--limit", str(cgroup_limit_mb), "--mb", str(alloc_mb)), env
    )
    result["seconds_to_final_status"] = time.perf_counter() - started
    return result


def table(results: dict[str, Any]) -> str:
    """A markdown table of the headline numbers, with dagwell/ZenML ratios."""
    d, z = results["dagwell"], results.get("zenml") or {}

    def num(value: Any, unit: str = "", scale: float = 1.0, digits: int = 1) -> str:
        if not isinstance(value, int | float):
            return "-"
        return f"{value * scale:.{digits}f}{unit}"

    def ratio(a: Any, b: Any) -> str:
        if isinstance(a, int | float) and isinstance(b, int | float) and a > 0:
            return f"{b / a:.1f}x"
        return "-"

    rows = [("| measure | dagwell | ZenML | ZenML / dagwell |"), "|---|---|---|---|"]

    def add(label: str, a: Any, b: Any, unit: str, scale: float = 1.0, digits: int = 1) -> None:
        rows.append(
            f"| {label} | {num(a, unit, scale, digits)} | {num(b, unit, scale, digits)} "
            f"| {ratio(a, b)} |"
        )

    add("import time", d.get("import_seconds"), z.get("import_seconds"), " ms", 1000, 0)
    one_d = d["overhead"]["fanout"].get(1, {})
    one_z = (z.get("overhead") or {}).get("fanout", {}).get(1, {})
    add(
        "1-step pipeline, whole process CPU",
        one_d.get("process_seconds"),
        one_z.get("process_seconds"),
        " s",
        1,
        2,
    )
    for shape in ("fanout", "chain"):
        for n, row in d["overhead"][shape].items():
            if n == 1:
                continue
            zrow = (z.get("overhead") or {}).get(shape, {}).get(n, {})
            add(
                f"{shape}, {n} steps: per-step overhead",
                row.get("per_step"),
                zrow.get("per_step"),
                " ms",
                1000,
                1,
            )
    big = max(d["overhead"]["fanout"])
    add(
        f"orchestrator peak RSS ({big}-step fan-out)",
        d["overhead"]["fanout"][big].get("orchestrator_peak_rss"),
        (z.get("overhead") or {}).get("fanout", {}).get(big, {}).get("orchestrator_peak_rss"),
        " MB",
        1e-6,
        0,
    )
    seed = d.get("seed", {})
    zseed = z.get("seed", {})
    add(
        "seed, memory declared: makespan / lower bound",
        seed.get("declared", {}).get("ratio"),
        zseed.get("ratio"),
        "",
        1,
        2,
    )
    add(
        "seed, undeclared: makespan / lower bound",
        seed.get("undeclared", {}).get("ratio"),
        zseed.get("ratio"),
        "",
        1,
        2,
    )
    lat = d.get("oom_latency", {})
    rows.append(
        f"| OOM kill -> detected (median) | {num(lat.get('detect_median'), ' ms', 1000, 0)}"
        " | - | - |"
    )
    rows.append(
        f"| OOM kill -> retry started (median) | "
        f"{num(lat.get('retry_start_median'), ' ms', 1000, 0)} | - | - |"
    )
    truth_d = d.get("oom_truth", {})
    truth_z = z.get("oom_truth", {})
    rows.append(
        f"| run status after an OOM kill | {truth_d.get('status', '-')} "
        f"({truth_d.get('failure', '-')}) after "
        f"{num(truth_d.get('seconds_to_final_status'), ' s', 1, 1)} | "
        f"{truth_z.get('status_10s_later', truth_z.get('skipped', '-'))} (10 s after the "
        "process died) | - |"
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="sizes 1, 10, 100 only")
    parser.add_argument("--no-zenml", action="store_true")
    parser.add_argument("--zenml-version", default="0.98.0")
    parser.add_argument(
        "--repeat", type=int, default=3, help="measure each overhead point this many times (median)"
    )
    parser.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    parser.add_argument(
        "--no-readme",
        dest="readme",
        action="store_false",
        help="do not put the table into README.md",
    )
    args = parser.parse_args()
    sizes = [1, 10, 100] if args.quick else [1, 10, 100, 1000]
    results: dict[str, Any] = {"machine": machine(), "sizes": sizes}
    frameworks: list[Framework] = [Dagwell()]
    if not args.no_zenml:
        why = ZenML.install(args.zenml_version)
        if why:
            log(f"ZenML unavailable: {why}")
            results["zenml_unavailable"] = why
        else:
            frameworks.append(ZenML())
            results["machine"]["zenml"] = args.zenml_version
    measured = overheads(frameworks, sizes, args.repeat)
    for fw in frameworks:
        log(f"{fw.name}: import time")
        entry: dict[str, Any] = {"import_seconds": import_time(fw, fw.fresh_home())}
        entry["overhead"] = measured[fw.name]
        log(f"{fw.name}: seed scenario")
        if fw.name == "dagwell":
            entry["seed"] = {
                "declared": fw.measure("seed", "--declared"),
                "undeclared": fw.measure("seed"),
            }
            log("dagwell: OOM detection latency")
            entry["oom_latency"] = fw.measure("oom-latency", "--rounds", "5")
        else:
            entry["seed"] = fw.measure("seed")
        log(f"{fw.name}: OOM truth")
        entry["oom_truth"] = oom_truth(fw, cgroup_limit_mb=500, alloc_mb=1000)
        results[fw.name] = entry
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    markdown = table(results)
    m = results["machine"]
    header = (
        f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, "
        f"Linux {m['kernel']}, Python {m['python']}"
        + (f", ZenML {m['zenml']}" if "zenml" in m else "")
        + "."
    )
    out.with_suffix(".md").write_text(header + "\n\n" + markdown + "\n")
    print(header)
    print()
    print(markdown)
    print(f"\n(written to {out} and {out.with_suffix('.md')})")
    if args.readme and not args.quick and "zenml" in results:
        update_readme(header, markdown)


def update_readme(header: str, markdown: str) -> None:
    """Put the table between the README's bench markers, so it always shows the latest."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start not in text or end not in text:
        return
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{header}\n\n{markdown}\n{end}{tail}")
    print("(README.md updated)")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
