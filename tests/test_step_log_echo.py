"""A step's print() and logging reach the terminal while it runs, prefixed by its step id
(issue 15: ZenML shows step logs live), stay in the attempt's log, keep the live display
readable, and go quiet beyond a few parallel steps (dagwell.engine.log_echo)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dagwell import Client, LocalOrchestrator, pipeline, step
from dagwell.engine import log_echo
from dagwell.engine.log_echo import (
    ECHO_SLOTS,
    FIRST_READ_AFTER,
    TAIL_LINES,
    LogEcho,
    slots_from_env,
)
from helpers import outcome
from test_live_display import Recorder


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _echo(slots: int | None = ECHO_SLOTS, clock: Clock | None = None) -> tuple[LogEcho, list[str]]:
    lines: list[str] = []
    clock = clock or Clock()
    return LogEcho(lines.append, slots, "dagwell logs RUN <step>", clock), lines


def test_lines_are_prefixed_and_a_partial_line_waits_for_its_end(tmp_path):
    clock = Clock()
    echo, lines = _echo(clock=clock)
    log = tmp_path / "a.log"
    echo.started("train", 1, str(log))
    clock.now += FIRST_READ_AFTER
    echo.poll()  # no file yet: the attempt has not opened it
    log.write_text("epoch 1\nepo")
    echo.poll()
    assert lines == ["[train] epoch 1"]
    with open(log, "a") as f:
        f.write("ch 2\nno newline at the end")
    echo.poll()
    assert lines[-1] == "[train] epoch 2"
    echo.ended("train", 1, failed=False)
    assert lines[-1] == "[train] no newline at the end"
    assert echo.active is False


def test_a_young_or_quiet_attempts_log_is_never_opened(tmp_path, monkeypatch):
    """Before: every loop turn opened each running attempt's log (retrying until the
    attempt had created it), and its end read it again: in a chain of no-op steps, 1.5
    opens and a read per step in the loop thread."""
    clock = Clock()
    echo, lines = _echo(clock=clock)
    quiet, talker = tmp_path / "quiet.log", tmp_path / "talker.log"
    quiet.write_text("")
    talker.write_text("hello\n")
    echo.started("quiet", 1, str(quiet))
    echo.started("talker", 1, str(talker))

    def no_open(*args: object) -> int:
        raise AssertionError("a log was opened")

    with monkeypatch.context() as m:
        m.setattr(log_echo.os, "open", no_open)
        echo.poll()  # both younger than FIRST_READ_AFTER
        clock.now += FIRST_READ_AFTER / 2
        echo.poll()
        echo.ended("quiet", 1, failed=False)  # printed nothing: one stat, no open
    assert lines == []
    echo.ended("talker", 1, failed=False)  # ended young, but printed: its lines show
    assert lines == ["[talker] hello"]


def test_a_retry_is_labelled_with_its_attempt(tmp_path):
    echo, lines = _echo()
    log = tmp_path / "b.log"
    log.write_text("again\n")
    echo.started("train", 2, str(log))
    echo.ended("train", 2, failed=False)
    assert lines == ["[train#2] again"]


def test_beyond_the_slots_steps_run_quietly_with_one_notice_and_failures_still_show(tmp_path):
    clock = Clock()
    echo, lines = _echo(slots=2, clock=clock)
    for i in range(4):
        (tmp_path / f"{i}.log").write_text(f"line of {i}\n")
        echo.started(f"s{i}", 1, str(tmp_path / f"{i}.log"))
    clock.now += FIRST_READ_AFTER
    echo.poll()
    shown = [line for line in lines if line.startswith("[")]
    assert shown == ["[s0] line of 0", "[s1] line of 1"]
    notices = [line for line in lines if line.startswith("dagwell:")]
    assert len(notices) == 1 and "s2" in notices[0] and "DAGWELL_STEP_LOGS=all" in notices[0]
    assert "dagwell logs RUN <step>" in notices[0]
    echo.ended("s2", 1, failed=False)  # quiet and fine: nothing shown
    assert not any(line.startswith("[s2]") for line in lines)
    with open(tmp_path / "3.log", "a") as f:
        f.writelines(f"detail {n}\n" for n in range(30))
    echo.ended("s3", 1, failed=True)  # quiet but failed: its last lines
    tail = [line for line in lines if line.startswith("[s3]")]
    assert tail[0] == "[s3] failed; the last lines of its log:"
    assert tail[1:] == [f"[s3] detail {n}" for n in range(30 - TAIL_LINES, 30)]
    echo.started("s4", 1, str(tmp_path / "0.log"))  # still two echoed: quiet, no new notice
    assert len([line for line in lines if line.startswith("dagwell:")]) == 1


def test_the_setting_reads_auto_all_off_or_a_number():
    assert slots_from_env(None) == slots_from_env("auto") == ECHO_SLOTS
    assert slots_from_env("all") is None
    assert slots_from_env("off") == 0 and slots_from_env("7") == 7
    with pytest.raises(ValueError, match="DAGWELL_STEP_LOGS='loud'.*auto.*all.*off"):
        slots_from_env("loud")


def test_off_shows_nothing_not_even_failures(tmp_path):
    echo, lines = _echo(slots=0)
    (tmp_path / "x.log").write_text("secret\n")
    echo.started("x", 1, str(tmp_path / "x.log"))
    echo.poll()
    echo.ended("x", 1, failed=True)
    assert lines == []


STEP_SCRIPT = textwrap.dedent(
    """
    import logging, os, sys, time
    from dagwell import get_logger, pipeline, step

    logger = get_logger(__name__)

    @step(enable_cache=False)
    def talk(gate: str) -> int:
        print("printed before the gate")
        logger.info("logged before the gate")
        deadline = time.time() + 120
        while not os.path.exists(gate) and time.time() < deadline:
            time.sleep(0.05)
        print("after the gate")
        return 1

    @pipeline(enable_cache=False)
    def talker(gate: str):
        talk(gate)

    if __name__ == "__main__":
        talker(gate=sys.argv[1])
    """
)


def test_a_running_steps_output_reaches_the_terminal_before_it_ends(tmp_path):
    """The step waits for a file the test creates only once it saw the step's first lines
    on the orchestrator's stderr: they can only have come while the step ran."""
    script = tmp_path / "talker.py"
    script.write_text(STEP_SCRIPT)
    gate = tmp_path / "gate"
    env = {**os.environ, "DAGWELL_HOME": str(tmp_path / "home"), "DAGWELL_PROGRESS": "0"}
    env.pop("DAGWELL_STEP_LOGS", None)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(gate)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            seen.append(line.rstrip("\n"))
            if any("logged before the gate" in s for s in seen):
                break
        assert "[talk] printed before the gate" in seen, seen
        assert any(s.startswith("[talk] ") and "logged before the gate" in s for s in seen)
        assert proc.poll() is None  # still running: the lines came live
        gate.touch()
        _out, rest = proc.communicate(timeout=120)
    finally:
        gate.touch()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "\n".join(seen) + rest
    assert "[talk] after the gate" in rest
    run = Client(tmp_path / "home").list_runs(limit=1)[0]
    log = Client(tmp_path / "home").logs(run.id, "talk")
    assert "printed before the gate" in log and "after the gate" in log  # the log keeps it


@step(enable_cache=False)
def chatty(n: int) -> int:
    for i in range(3):
        print(f"line {i} of {n}")
    return n


def test_output_goes_above_the_live_display_and_quiets_beyond_the_slots(home, monkeypatch):
    """Through the real rich display: every echoed line is a whole line of its own (not
    cut into the live rows), and of six parallel steps only ECHO_SLOTS are echoed."""
    from dagwell.engine.runner import execute

    monkeypatch.delenv("DAGWELL_STEP_LOGS", raising=False)

    @pipeline(enable_cache=False)
    def six():
        for n in range(6):
            chatty(n)

    display = Recorder()
    run = outcome(
        lambda: execute(six.trace(), LocalOrchestrator(max_parallelism=6), progress=display)
    )
    assert run.status.value == "completed"
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", display.buffer.getvalue())
    echoed = {
        line.split("] ", 1)[1]
        for line in text.replace("\r", "\n").splitlines()
        if line.startswith("[chatty")
    }
    assert all(re.fullmatch(r"line \d of \d", line) for line in echoed), echoed
    per_step = {n for n in range(6) if f"line 2 of {n}" in echoed}
    assert len(per_step) == ECHO_SLOTS, echoed
    for n in per_step:
        assert {f"line {i} of {n}" for i in range(3)} <= echoed
    assert text.count("DAGWELL_STEP_LOGS=all") == 1


def test_all_echoes_every_parallel_step(home, monkeypatch, capfd):
    monkeypatch.setenv("DAGWELL_STEP_LOGS", "all")

    @pipeline(enable_cache=False)
    def six():
        for n in range(6):
            chatty(n)

    run = six.with_options(orchestrator=LocalOrchestrator(max_parallelism=6))()
    err = capfd.readouterr().err
    assert run.status.value == "completed"
    for n in range(6):
        label = "chatty" if n == 0 else f"chatty_{n + 1}"
        assert f"[{label}] line 2 of {n}" in err
    assert "DAGWELL_STEP_LOGS=all" not in err


def test_the_in_process_runtime_is_not_echoed_twice(home, capfd):
    @pipeline(enable_cache=False)
    def one():
        chatty(9)

    one.with_options(orchestrator=LocalOrchestrator(isolation="inprocess"))()
    out = capfd.readouterr()
    assert (out.out + out.err).count("line 1 of 9") == 1  # its own tee, no prefixed copy


def test_log_file_is_unchanged_by_the_echo(home):
    @pipeline(enable_cache=False)
    def one():
        chatty(5)

    run = one()
    log = Path(Client().home.log_path(run.id, "chatty", 1)).read_text()
    assert "line 0 of 5\nline 1 of 5\nline 2 of 5\n" in log and "[chatty]" not in log
