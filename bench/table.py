"""The benchmark's markdown: one row per framework and mode, then dagwell's own rows."""

from __future__ import annotations

from typing import Any


def _num(value: Any, scale: float = 1.0, digits: int = 1, unit: str = "") -> str:
    if not isinstance(value, int | float):
        return "-"
    return f"{value * scale:.{digits}f}{unit}"


def header(results: dict[str, Any]) -> str:
    m = results["machine"]
    load = " / ".join(
        f"{a:.2f}, {b:.2f}, {c:.2f}" for a, b, c in (m["load_before"], m["load_after"])
    )
    return (
        f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Linux "
        f"{m['kernel']}, Python {m['python']}; load average before / after: {load}. "
        "Per-step overhead in ms, (T(n) - T(1)) / (n - 1), medians, all frameworks in turns."
    )


def _point(entry: dict[str, Any], shape: str, n: int) -> str:
    row = entry["overhead"].get(shape, {}).get(n)
    if row is None:
        return "-"
    if "per_step" in row:
        return _num(row["per_step"], 1000)
    if row.get("timeout"):
        return "timeout"
    return "failed" if "error" in row else "-"


def _seed(entry: dict[str, Any]) -> str:
    seed = entry.get("seed")
    if not seed:
        return "-"
    if "skipped" in seed:
        return "skipped"
    if seed.get("timeout"):
        return f"no end within {seed.get('error', '').split('within ')[-1]}"
    if "error" in seed:
        kills = seed.get("oom_kills")
        return f"crashed ({kills} OOM kills)" if kills else "crashed"
    ratio = _num(seed.get("ratio"), 1, 2)
    return f"{seed.get('status', '?')}, {ratio}"


def table(results: dict[str, Any], labels: list[str]) -> str:
    sizes = [n for n in results["sizes"] if n > 1]
    cols = [f"fan-out {n}" for n in sizes] + [f"chain {n}" for n in sizes]
    rows = [
        "| framework, mode | "
        + " | ".join(cols)
        + " | 1-step process (s) | import (ms) | orchestrator / tree RSS, biggest fan-out (MB) "
        "| seed, 1400 MB node: status, makespan / bound | isolates / persists |",
        "|---" * (len(cols) + 6) + "|",
    ]
    for label in labels:
        entry = results[label]
        name, mode = label.split(" ", 1)
        version = results["machine"].get(name, "")
        points = [_point(entry, "fanout", n) for n in sizes]
        points += [_point(entry, "chain", n) for n in sizes]
        fan = entry["overhead"].get("fanout", {})
        big = max((n for n, r in fan.items() if "wall" in r), default=None)
        one = fan.get(1, {})
        rss = "-"
        if big is not None:
            rss = (
                f"{_num(fan[big].get('orchestrator_peak_rss'), 1e-6, 0)} / "
                f"{_num(fan[big].get('tree_peak_rss'), 1e-6, 0)}"
            )
        rows.append(
            f"| {name} {version} {mode} | "
            + " | ".join(points)
            + f" | {_num(one.get('process_wall'), 1, 2)} | "
            f"{_num(entry.get('import_seconds'), 1000, 0)} | {rss} | {_seed(entry)} | "
            f"{entry['isolates']} |"
        )
    for name, why in results.get("unavailable", {}).items():
        rows.append(f"| {name}: not installed ({why[:120]}) |" + " |" * (len(cols) + 5))
    return "\n".join(rows) + "\n\n" + dagwell_rows(results)


def dagwell_rows(results: dict[str, Any]) -> str:
    d = results.get("dagwell local", {})
    lat = d.get("oom_latency", {})
    seed, undeclared = d.get("seed", {}), d.get("seed_undeclared", {})
    zen = results.get("zenml local", {}).get("oom_truth", {})
    lines = [
        "| dagwell only | value |",
        "|---|---|",
        f"| seed, memory declared: makespan / lower bound | {_num(seed.get('ratio'), 1, 2)} |",
        f"| seed, undeclared: makespan / lower bound | {_num(undeclared.get('ratio'), 1, 2)} |",
        f"| OOM kill -> detected (median) | {_num(lat.get('detect_median'), 1000, 0, ' ms')} |",
        "| OOM kill -> retry started (median) | "
        f"{_num(lat.get('retry_start_median'), 1000, 0, ' ms')} |",
    ]
    if zen:
        lines.append(
            f"| ZenML's run status 10 s after its process was OOM-killed | "
            f"{zen.get('status_10s_later', '-')} |"
        )
    return "\n".join(lines)
