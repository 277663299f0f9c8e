"""Following a run from the store: ``dagwell runs watch RUN`` and ``runs logs -f``.

Both only read (a detached run's engine is in its orchestrator pod, a local one in its own
process), so Ctrl-C detaches and never stops the run. Each poll goes through
``Client.get_run``, which also records a detached run whose orchestrator Job gave up
(``orchestrator_lost``): watching a run always ends with the run's end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from dagwell.core.records import PipelineRun
from dagwell.core.statuses import RunStatus


def _states(run: PipelineRun) -> dict[str, tuple[str, int]]:
    return {name: (s.status.value, len(s.attempts)) for name, s in run.steps.items()}


def watch_lines(
    read: Callable[[], PipelineRun],
    interval: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[str]:
    """Lines describing each change of the run, until it ends (the last line says how)."""
    run = read()
    yield f"run {run.name} ({run.id}): {run.display_status}"
    seen: dict[str, tuple[str, int]] = {}
    while True:
        for name, (status, attempts) in _states(run).items():
            if seen.get(name) != (status, attempts):
                seen[name] = (status, attempts)
                step = run.steps[name]
                last = step.attempts[-1] if step.attempts else None
                why = f": {last.failure.kind.value}" if last and last.failure else ""
                yield f"  {name}: {status}" + (f" (attempt {attempts}{why})" if attempts else "")
        if run.status is not RunStatus.RUNNING:
            yield f"run {run.id} {run.status.value}: {run.summary()}"
            return
        sleep(interval)
        run = read()


def follow_logs(
    read: Callable[[], PipelineRun],
    read_log: Callable[[PipelineRun, str, int, int], bytes | None],
    step: str | None,
    interval: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[str]:
    """New log text of the run's attempts (all steps, or ``step``) as it is written, until
    the run ends and every log is read to its end. ``read_log(run, step, attempt, offset)``
    gives an attempt's log from ``offset`` on (None when there is none yet)."""
    offsets: dict[tuple[str, int], int] = {}
    while True:
        run = read()
        ended = run.status is not RunStatus.RUNNING
        for name, found in run.steps.items():
            if step is not None and name != step:
                continue
            for attempt in found.attempts:
                key = (name, attempt.number)
                chunk = read_log(run, name, attempt.number, offsets.get(key, 0))
                if chunk:
                    if key not in offsets:
                        yield f"==> {name} attempt {attempt.number} <==\n"
                    offsets[key] = offsets.get(key, 0) + len(chunk)
                    yield chunk.decode(errors="replace")
        if ended:
            return
        sleep(interval)


def run_reader(client: Any, run_ref: str) -> Callable[[], PipelineRun]:
    run_id = client.resolve(run_ref)
    return lambda: client.get_run(run_id)
