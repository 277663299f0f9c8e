"""The benchmark workloads for Metaflow (runs in bench/.venvs/metaflow).

Metaflow builds a flow's graph from its source, so each workload writes a flow file
(a ``foreach`` for the fan-out, N step methods for the chain) into BENCH_HOME and runs it
with ``python flow.py run`` there: local runtime (a process per task), local datastore
and metadata (durable, under .metaflow/).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from common import emit, parser, seed_result

T0 = time.perf_counter()
import metaflow  # noqa: E402, F401

IMPORT_SECONDS = time.perf_counter() - T0
HEADER = "from metaflow import FlowSpec, step\n\n\nclass BenchFlow(FlowSpec):\n"


def fanout_flow(steps: int) -> str:
    return HEADER + (
        "    @step\n    def start(self):\n"
        f"        self.items = list(range({steps}))\n"
        "        self.next(self.work, foreach='items')\n\n"
        "    @step\n    def work(self):\n        self.next(self.join)\n\n"
        "    @step\n    def join(self, inputs):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n\n\n"
        "if __name__ == '__main__':\n    BenchFlow()\n"
    )


def chain_flow(steps: int) -> str:
    body = ["    @step\n    def start(self):\n        self.x = 0\n        self.next(self.s1)\n"]
    for i in range(1, steps):
        body.append(
            f"    @step\n    def s{i}(self):\n        self.x = self.x\n"
            f"        self.next(self.s{i + 1})\n"
        )
    body.append(f"    @step\n    def s{steps}(self):\n        self.next(self.end)\n")
    body.append("    @step\n    def end(self):\n        pass\n")
    return HEADER + "\n".join(body) + "\n\nif __name__ == '__main__':\n    BenchFlow()\n"


def seed_flow(seconds: float) -> str:
    return HEADER + (
        "    @step\n    def start(self):\n"
        "        self.items = list(range(10))\n"
        "        self.next(self.hog, foreach='items')\n\n"
        "    @step\n    def hog(self):\n"
        "        import time\n"
        "        block = bytearray(400 * 10**6)\n"
        "        for i in range(0, len(block), 4096):\n            block[i] = 1\n"
        f"        time.sleep({seconds})\n        self.next(self.join)\n\n"
        "    @step\n    def join(self, inputs):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n\n\n"
        "if __name__ == '__main__':\n    BenchFlow()\n"
    )


def run_flow(source: str, parallelism: int) -> tuple[float, int]:
    home = Path(os.environ["BENCH_HOME"])
    path = home / "bench_flow.py"
    path.write_text(source)
    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            str(path),
            "--quiet",
            "--no-pylint",
            "run",
            "--max-workers",
            str(parallelism),
            "--max-num-splits",
            "100000",
        ],
        cwd=home,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
    return wall, proc.returncode


def main() -> None:
    args = parser(["local"]).parse_args()
    if args.workload == "import":
        emit({}, IMPORT_SECONDS)
        return
    if args.workload == "seed":
        alone, _ = run_flow(seed_flow(args.seconds).replace("range(10)", "range(1)"), 10)
        makespan, code = run_flow(seed_flow(args.seconds), 10)
        emit(
            seed_result(makespan, alone, "completed" if code == 0 else f"failed (exit {code})"),
            IMPORT_SECONDS,
        )
        return
    source = fanout_flow(args.steps) if args.shape == "fanout" else chain_flow(args.steps)
    cpu0 = os.times()
    wall, code = run_flow(source, args.parallelism)
    cpu1 = os.times()
    emit(
        {
            "wall": wall,
            "cpu": (cpu1.children_user - cpu0.children_user)
            + (cpu1.children_system - cpu0.children_system),
            "orchestrator_peak_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
            "status": "completed" if code == 0 else f"failed (exit {code})",
        },
        IMPORT_SECONDS,
    )


if __name__ == "__main__":
    main()
