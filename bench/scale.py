"""dagwell at scale: fan-outs of 1k/10k/100k and a 10k chain, time and memory per size,
then how long `dagwell runs show` and `runs list` take on the store that holds them.

    python bench/scale.py                       # 1000,10000,100000 fan-out; 10000 chain
    python bench/scale.py --fanout 1000,10000 --chain 1000

Each size runs in its own process (bench/dagwell_workloads.py) in one shared home, so the
CLI timings at the end read a store with all of these runs. Prints one JSON document and
writes bench/results/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - started, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fanout", default="1000,10000,100000")
    parser.add_argument("--chain", default="10000")
    parser.add_argument("--out", default=str(HERE / "results" / "scale.json"))
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="dagwell-scale-")
    env = {
        **os.environ,
        "DAGWELL_HOME": home,
        "DAGWELL_PROGRESS": "0",
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    workload = [sys.executable, str(HERE / "dagwell_workloads.py"), "overhead"]
    results: dict[str, object] = {"load_before": os.getloadavg(), "runs": []}
    shapes = [("fanout", int(n)) for n in args.fanout.split(",") if n]
    shapes += [("chain", int(n)) for n in args.chain.split(",") if n]
    for shape, n in shapes:
        print(f"[scale] {shape} of {n}", file=sys.stderr, flush=True)
        wall, out = run([*workload, "--shape", shape, "--steps", str(n)], env)
        row = json.loads(out.strip().splitlines()[-1])
        row.update(shape=shape, steps=n, process_wall=wall, ms_per_step=row["wall"] / n * 1000)
        results["runs"].append(row)  # type: ignore[attr-defined]
        cli = [sys.executable, "-m", "dagwell", "runs"]
        row["runs_show_seconds"], _ = run([*cli, "show", "latest"], env)
        row["runs_show_json_page_seconds"], _ = run(
            [*cli, "show", "latest", "--json", "--limit", "100"], env
        )
    results["runs_list_seconds"], _ = run([sys.executable, "-m", "dagwell", "runs", "list"], env)
    results["load_after"] = os.getloadavg()
    text = json.dumps(results, indent=1)
    print(text)
    Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
