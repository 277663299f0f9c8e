"""The benchmark workloads for Kedro (runs in bench/.venvs/kedro).

Modes: ``sequential`` (SequentialRunner, in-process) and ``parallel`` (ParallelRunner, a
process pool). Kedro keeps no record of runs: nothing persists but the datasets a
catalog is told to save (here: memory datasets).
"""

from __future__ import annotations

import time

from common import emit, hog, parser, seed_result, timed

T0 = time.perf_counter()
from kedro.io import DataCatalog, SharedMemoryDataCatalog  # noqa: E402
from kedro.pipeline import Pipeline, node  # noqa: E402
from kedro.runner import ParallelRunner, SequentialRunner  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - T0


def noop() -> int:
    return 0


def passthrough(x: int) -> int:
    return x


def kedro_hog(seconds: float) -> int:
    hog(400, seconds)
    return 0


def build(shape: str, steps: int) -> Pipeline:
    if shape == "fanout":
        return Pipeline([node(noop, None, f"out_{i}", name=f"noop_{i}") for i in range(steps)])
    nodes = [node(noop, None, "x_0", name="first")]
    nodes += [
        node(passthrough, f"x_{i}", f"x_{i + 1}", name=f"passthrough_{i}") for i in range(steps - 1)
    ]
    return Pipeline(nodes)


def runner(mode: str, parallelism: int):
    return SequentialRunner() if mode == "sequential" else ParallelRunner(max_workers=parallelism)


def catalog(mode: str, params: dict | None = None) -> DataCatalog:
    """ParallelRunner needs a catalog whose memory datasets live in a manager process."""
    made = DataCatalog() if mode == "sequential" else SharedMemoryDataCatalog()
    for name, value in (params or {}).items():
        made[name] = value
    return made


def main() -> None:
    args = parser(["sequential", "parallel"]).parse_args()
    if args.workload == "import":
        emit({}, IMPORT_SECONDS)
        return
    if args.workload == "seed":
        one = Pipeline([node(kedro_hog, "params:seconds", "alone", name="alone")])
        started = time.perf_counter()
        runner(args.mode, 10).run(one, catalog(args.mode, {"params:seconds": args.seconds}))
        alone = time.perf_counter() - started
        ten = Pipeline(
            [node(kedro_hog, "params:seconds", f"h_{i}", name=f"hog_{i}") for i in range(10)]
        )
        started = time.perf_counter()
        try:
            runner(args.mode, 10).run(ten, catalog(args.mode, {"params:seconds": args.seconds}))
            status = "completed"
        except Exception as error:
            status = f"failed ({type(error).__name__})"
        emit(seed_result(time.perf_counter() - started, alone, status), IMPORT_SECONDS)
        return
    pipeline = build(args.shape, args.steps)
    result = timed(lambda: runner(args.mode, args.parallelism).run(pipeline, catalog(args.mode)))
    result["status"] = "completed"
    emit(result, IMPORT_SECONDS)


if __name__ == "__main__":
    main()
