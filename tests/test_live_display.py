"""The live terminal display (issue 13): step groups Nextflow-style, the node's memory in use
vs reserved vs capacity, the last events; built only a few times a second."""

import io
import time

import pytest
from rich.console import Console

import workloads
from dagwell import LocalOrchestrator, ResourceSettings, pipeline, step
from dagwell.core.progress import LiveView, StepGroup
from dagwell.core.statuses import StepStatus
from dagwell.display import live
from helpers import outcome

MB = 10**6


@step(enable_cache=False)
def sit(seconds: float) -> None:
    time.sleep(seconds)


class Recorder(live.RichProgress):
    """The real display, writing to a buffer the test reads, counting detailed views."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = io.StringIO()
        self.console = Console(file=self.buffer, force_terminal=True, color_system=None, width=120)
        self.views: list[LiveView] = []

    def detail(self, view: LiveView) -> None:
        self.views.append(view)
        super().detail(view)


def run_with(display: Recorder, pipe, orchestrator) -> float:
    from dagwell.engine.runner import execute

    begin = time.monotonic()
    outcome(lambda: execute(pipe.trace(), orchestrator, progress=display))
    return time.monotonic() - begin


def test_ten_steps_show_as_one_group_with_the_node_memory(home):
    @pipeline(enable_cache=False)
    def ten():
        for _ in range(10):
            sit(0.6)

    display = Recorder()
    took = run_with(display, ten, LocalOrchestrator(memory="1400MB", max_parallelism=4))
    text = display.buffer.getvalue()
    assert "[10/10] sit" in text  # the final frame: every step of the group done
    assert "running 4" in text  # max_parallelism, seen live
    assert "node memory" in text and "reserved of 1.4 GB" in text
    busy = [v for v in display.views if v.groups[0].counts.get(StepStatus.RUNNING)]
    assert busy and all(v.memory_capacity == 1400 * MB for v in busy)
    assert max(v.memory_reserved for v in busy) >= 4 * 64 * 2**20  # 4 default requests
    # built a few times a second, never once per step event
    assert len(display.views) <= took / live.DETAIL_EVERY + 2


@pytest.mark.cgroups
def test_an_oom_kill_and_its_retry_appear_in_the_last_events(home, cgroups):
    growing = workloads.growing.with_options(resources=ResourceSettings(memory="150MB"))

    @pipeline(enable_cache=False)
    def grows():
        growing(250)

    display = Recorder()
    run_with(display, grows, LocalOrchestrator(memory="1400MB"))
    text = display.buffer.getvalue()
    assert "growing attempt 1: oom_killed" in text
    assert "growing: retry in" in text
    assert "1 retried" in text


def group(name: str, live_steps: int, done: int = 0) -> StepGroup:
    running = [(f"{name}_{i}", StepStatus.RUNNING, 1, 400 * MB) for i in range(live_steps)]
    counts = {StepStatus.RUNNING: live_steps, StepStatus.COMPLETED: done}
    return StepGroup(name, live_steps + done, counts, 0, running)


def render(view: LiveView) -> str:
    console = Console(file=io.StringIO(), width=120)
    for row in live._groups(view):
        console.print(row)
    if (memory := live._memory(view)) is not None:
        console.print(memory)
    return console.file.getvalue()


def test_few_live_steps_get_a_row_each_many_only_their_group():
    few = render(LiveView([group("wait", 3, done=7)], 1200 * MB, 1200 * MB, 1400 * MB))
    assert "[ 7/10] wait  running 3" in few
    assert "wait_0  running  attempt 1  400 MB reserved" in few
    assert "1.2 GB in use, 1.2 GB reserved of 1.4 GB" in few
    many = render(LiveView([group("wait", 6), group("train", 6)], None, 0, None))
    assert "[0/6] wait" in many and "[0/6] train" in many
    assert "wait_0" not in many  # 12 live steps: counted, not listed
    assert "node memory" not in many  # nothing known about the node


def test_no_terminal_means_no_display(monkeypatch):
    monkeypatch.delenv("DAGWELL_PROGRESS", raising=False)
    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    assert not live.make_progress().wants_detail()  # the engine builds no view at all
