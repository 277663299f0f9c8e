"""The zygote (the lean warm parent that forks attempts) and what happens if it dies."""

import json
import os
import signal
import subprocess
import sys

import pytest

import workloads
from conftest import leftover_cgroups
from dagwell import RunFailedError, step
from dagwell.core.failures import FailureKind, OomScope
from dagwell.core.statuses import RunStatus


def test_attempts_fork_from_the_zygote(home):
    run = workloads.ml(n=2)
    assert run.orchestrator["runtime"]["start_method"] == "zygote"
    assert all(a.external_id for s in run.steps.values() for a in s.attempts)


def test_a_dead_zygote_costs_one_infra_retry_not_the_run(home, tmp_path):
    """The zygote is killed from outside (as by the OOM killer or ``kill -9``) while it
    has an attempt running: that attempt is lost, and the retry has a new zygote."""
    import threading

    from helpers import wait_for

    flag = tmp_path / "flag"

    def kill_the_zygote() -> None:
        wait_for(flag.exists, 60, "the zygote's pid from the step")
        os.kill(int(flag.read_text()), signal.SIGKILL)

    killer = threading.Thread(target=kill_the_zygote, daemon=True)
    killer.start()
    run = workloads.zygote_killed(str(flag))
    killer.join(10)
    assert run.status is RunStatus.COMPLETED
    first, second = run.steps["zygote_pid_once"].attempts
    assert first.failure.kind is FailureKind.LOST and first.budget == "infra"
    assert "launcher process died" in first.failure.message
    parent = run.steps["zygote_pid_once"].output.load()
    assert parent not in (os.getpid(), int(flag.read_text()))  # a new zygote


KILLS_ITS_PARENT = """
import os, signal
from dagwell import pipeline, step


@step(enable_cache=False)
def kill_parent() -> int:
    os.kill(os.getppid(), signal.SIGKILL)  # every attempt
    return 1


@pipeline(enable_cache=False)
def p() -> None:
    kill_parent()


print("ended", p().status.value)
"""


def test_a_step_that_kills_its_parent_every_time_fails_and_its_orchestrator_lives(tmp_path):
    """Before: the first attempt killed the zygote, the retry was forked by the
    orchestrator itself, and killed it: the script died of SIGKILL, its run orphaned.
    Then: each attempt was lost, from the infrastructure budget, three alike. Now the
    step's kill of its launcher is its own failure (see self_kill): one attempt."""
    from helpers import latest_run, run_script

    script = tmp_path / "kills_its_parent.py"
    script.write_text(KILLS_ITS_PARENT)
    done = run_script([str(script)], tmp_path / "home")
    assert done.returncode == 1 and "RunFailedError" in done.stderr, (done.returncode, done.stderr)
    run = latest_run(tmp_path / "home")
    assert run.status is RunStatus.FAILED and not run.orphaned
    (attempt,) = run.steps["kill_parent"].attempts  # (no retry: the step's own doing)
    assert attempt.failure.kind is FailureKind.USER_ERROR, attempt.failure.message
    assert "os.kill(os.getppid(), SIGKILL) was called in it" in attempt.failure.message


def test_a_warm_child_runs_the_next_attempt_under_its_own_limit(home, cgroups):
    """With cgroup v1 the next attempt's process is forked (into a spare cgroup) while the
    previous attempt runs, and is renamed and limited at launch: it still runs under its
    own limit, its OOM kill is the step's own, and no spare cgroup outlives the run."""
    if cgroups != "v1":
        pytest.skip("warm children need cgroup v1 (v2 cannot rename a cgroup)")
    with pytest.raises(RunFailedError) as caught:
        workloads.warm_chain()
    run = caught.value.run
    slow_ended = run.steps["nap_then_now"].output.load()
    assert run.steps["process_started_at"].output.load() < slow_ended - 0.2  # made meanwhile
    (attempt,) = run.steps["hog"].attempts
    assert attempt.failure.kind is FailureKind.OOM_KILLED
    assert attempt.failure.oom_scope is OomScope.OWN_LIMIT
    assert attempt.memory_limit == 100 * 10**6
    assert leftover_cgroups() == []


def test_a_warm_childs_end_is_handled_while_the_kernel_still_tears_it_down(home, cgroups):
    """A warm child says it is done (manifest written, log flushed) on a pipe before it
    exits, so the next step starts while the kernel frees the finished one's memory (1.5 GB
    here: ~0.15 s) instead of after the zygote has reaped it. Before: the step freed its
    block at its return, so only the exit's few milliseconds were left to overlap, and the
    test failed on a loaded machine (3 times in 4 with a 3 GB block)."""
    if cgroups != "v1":
        pytest.skip("warm children need cgroup v1 (v2 cannot rename a cgroup)")
    run = workloads.exit_overlap()
    assert run.steps["big_then_pid"].attempts[0].status.value == "completed"
    assert run.steps["process_still_there"].output.load() is True
    assert not leftover_cgroups()  # its cgroup went once its process had


def test_the_zygote_heap_is_in_huge_pages(home):
    """Forking a 2 MiB page copies one entry instead of 512: the zygote collapses its heap."""
    with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
        if "[never]" in f.read():
            pytest.skip("transparent huge pages are disabled on this machine ([never])")
    run = workloads.huge_pages_probe()
    assert run.steps["parent_huge_pages"].output.load() >= 2048


def test_a_warm_childs_pipe_comes_with_its_pid_and_an_older_exit_of_that_pid_is_dropped():
    """The zygote hands each warm child's spec pipe to the orchestrator (SCM_RIGHTS) with its
    pid; an exit reported before that ``W`` was another process's (the pid was reused), and
    must not end the attempt the new child is about to run."""
    import socket

    from dagwell.runtimes.zygote import Exited, Zygote

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    ours.setblocking(False)
    spec_r, spec_w = os.pipe()
    done_r, done_w = os.pipe()
    zygote = Zygote(os.getpid(), -1, -1, ours)
    try:
        theirs.sendall(b"X 4242 9 100\nX 7 0 100\n")
        socket.send_fds(theirs, [b"W 3\t4242\n"], [spec_w, done_r])
        os.close(spec_w)
        os.close(done_r)
        theirs.sendall(b"w 4\tno room\n")
        assert zygote.read()
        assert zygote.news == [Exited(7, 0, 100)]
        assert zygote.no_warm == [4]
        pid, fd, done = zygote.warm[3]
        assert pid == 4242
        os.write(fd, b"x")  # the very pipe the child reads
        assert os.read(spec_r, 1) == b"x"
        os.write(done_w, b"D0\n")  # and the very pipe it says it is done on
        assert os.read(done, 3) == b"D0\n"
        zygote.drop_warm()
        assert os.read(spec_r, 1) == b""  # EOF: an unused warm child exits
    finally:
        os.close(spec_r)
        os.close(done_w)
        theirs.close()
        ours.close()


def test_an_exit_of_a_followed_pid_stays_when_a_warm_child_reuses_the_pid():
    """pid_max is 32768 here: a long run reuses pids. An attempt's exit read in the same
    batch as a new warm child's ``W`` of that pid is the attempt's end (dropping it, as an
    unused warm child's would be, left the attempt running forever)."""
    import socket

    from dagwell.runtimes.zygote import Exited, Zygote

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    ours.setblocking(False)
    spec_r, spec_w = os.pipe()
    done_r, done_w = os.pipe()
    zygote = Zygote(os.getpid(), -1, -1, ours)
    zygote.tracked = {4242}.__contains__  # an attempt follows pid 4242
    try:
        theirs.sendall(b"X 4242 0 100\n")
        socket.send_fds(theirs, [b"W 3\t4242\n"], [spec_w, done_r])
        os.close(spec_w)
        os.close(done_r)
        os.close(done_w)
        assert zygote.read()
        assert zygote.news == [Exited(4242, 0, 100)]
        assert zygote.warm[3][0] == 4242
        zygote.drop_warm()
    finally:
        os.close(spec_r)
        theirs.close()
        ours.close()


def _runtime_with(news, running):
    """A LocalRuntime's bookkeeping alone (no cgroups, no zygote process), its _finish
    recording which attempt ended with which status."""
    from types import SimpleNamespace

    from dagwell.runtimes.local import LocalRuntime
    from dagwell.runtimes.zygote import Zygote

    runtime = LocalRuntime.__new__(LocalRuntime)
    runtime.running = {
        key: SimpleNamespace(pid=None, stop_reason=None, spec=SimpleNamespace(memory_limit=None))
        for key in running
    }
    runtime.by_pid, runtime.early, runtime.watchdog = {}, [], None
    runtime.zygote = Zygote(os.getpid(), -1, -1, None)  # type: ignore[arg-type]
    runtime.zygote.news = list(news)
    ended = []

    def finish(key, status, maxrss, why=None):
        item = runtime.running.pop(key)
        runtime.by_pid.pop(item.pid, None)
        ended.append((key, status))
        runtime.early.append(("exited", key, status))  # (its event, for the next wait)

    runtime._finish = finish
    return runtime, ended


def test_the_zygotes_news_is_matched_in_the_order_it_came():
    """Attempt a runs as pid 50 and exits; the kernel gives 50 to attempt b, which exits
    too, all read in one batch. Matched in order, each gets its own exit (matching every
    start before every exit gave b the status of a, and a never ended)."""
    from dagwell.runtimes.zygote import Exited, Started

    a, b = ("a", 1), ("b", 1)
    news = [Started(a, 50), Exited(50, 0, 1), Started(b, 50), Exited(50, 256, 1)]
    runtime, ended = _runtime_with(news, [a, b])
    runtime._zygote_news()
    assert ended == [(a, 0), (b, 256)]
    assert runtime.running == {}


def test_a_launch_on_a_reused_pid_ends_the_attempt_that_had_it_first():
    """A warm child is handed b's spec with pid 50 while a's exit on 50 is unread news: a
    ends with that exit (reported by the next wait) before 50 names b."""
    from dagwell.runtimes.zygote import Exited

    a, b = ("a", 1), ("b", 1)
    runtime, ended = _runtime_with([Exited(50, 0, 1)], [a, b])
    runtime.running[a].pid, runtime.by_pid[50] = 50, a
    runtime._started(b, 50)
    assert ended == [(a, 0)]
    assert runtime.early == [("exited", a, 0)]
    assert runtime.by_pid == {50: b}


def test_a_warm_child_runs_with_its_own_attempts_environment(home, cgroups):
    """A warm child rehearses the start of an attempt like the coming one (the previous
    launch's spec) while it waits; the attempt it then runs sees its own step and number."""
    if cgroups != "v1":
        pytest.skip("warm children need cgroup v1 (v2 cannot rename a cgroup)")
    run = workloads.env_chain()
    seen = {step_id: s.output.load() for step_id, s in run.steps.items()}
    assert seen == {step_id: f"{step_id}/1" for step_id in run.steps}
    assert len(seen) == 4


def test_a_warm_request_carries_a_spec_to_rehearse_with_unless_it_is_large():
    """The template rides in the warm request (the zygote decodes it); a spec with large
    params is not carried twice."""
    import json
    import socket

    from dagwell.core.plan import Locator
    from dagwell.runtimes.base import AttemptSpec
    from dagwell.runtimes.zygote import REHEARSAL_MAX, Zygote

    def spec(params: dict) -> AttemptSpec:
        return AttemptSpec(
            "run", "s", "s", 1, Locator("m", "f"), {}, params, (), "/nowhere", "k.json"
        )

    req_r, req_w = os.pipe()
    ours, theirs = socket.socketpair()
    zygote = Zygote(os.getpid(), -1, req_w, ours)
    try:
        zygote.prewarm(1, [], spec({"n": 1}))
        zygote.prewarm(2, [], spec({"big": "x" * REHEARSAL_MAX}))
        small, large = (json.loads(line) for line in os.read(req_r, 1 << 20).splitlines())
        assert AttemptSpec.from_json(json.loads(small["like"])).params == {"n": 1}
        assert large == {"warm": 2, "procs": []}
    finally:
        for fd in (req_r, req_w):
            os.close(fd)
        ours.close()
        theirs.close()


LEAN_PROBE = """
import json, sys
from dagwell import pipeline, step

HEAVY = ("sqlalchemy", "asyncio", "ssl", "psutil", "alembic", "rich", "pydantic")

@step(enable_cache=False)
def heavy_modules_in_the_attempt() -> list:
    return [name for name in HEAVY if name in sys.modules]

@pipeline(enable_cache=False)
def lean():
    heavy_modules_in_the_attempt()

run = lean()
print(json.dumps(run.steps["heavy_modules_in_the_attempt"].output.load()))
"""


def test_an_attempt_forks_from_a_zygote_without_the_store_or_the_runtime_libraries(home, tmp_path):
    """Every attempt's fork and exit cost grows with the zygote's memory: the zygote is
    forked before the run store opens, so SQLAlchemy (and asyncio, ssl, psutil, which only
    the orchestrator needs) are not in it, nor loaded by the attempt before its step runs.
    Nor is pydantic (~90 modules, 5.6 MB) for a pipeline that declares no settings: a
    step's default retry policy is plain data (before, the plan's default StepRetryConfig
    loaded it, and the zygote held 299 modules instead of ~210)."""
    script = tmp_path / "lean.py"
    script.write_text(LEAN_PROBE)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_a_warm_childs_rehearsal_touches_no_file_and_leaves_no_step_context(tmp_path):
    """What a warm child rehearses while it waits (the attempt's file-free parts) must not
    leave anything behind: no artifact store directory, no step context."""
    from dagwell.core.context import current_step
    from dagwell.core.plan import Locator
    from dagwell.runtimes.base import AttemptSpec
    from dagwell.runtimes.worker import rehearse

    def f(x: int) -> int:
        return x

    store = tmp_path / "artifacts"
    spec = AttemptSpec(
        "run", "s", "s", 1, Locator("m", "f"), {}, {"x": 1}, ("output",), str(store), "k.json"
    )
    rehearse(spec, f)
    rehearse(spec, None)
    assert not store.exists() and list(tmp_path.iterdir()) == []
    assert current_step() is None


def test_a_spec_too_large_for_a_warm_childs_pipe_goes_the_cold_way_without_blocking():
    """Before: the launch wrote the spec into the warm child's pipe with blocking writes, so
    a spec over the pipe's 64 KiB (large params) froze the engine loop until that child read
    it (never, if it was stopped). Now such a spec is not handed (None: the runtime forks the
    attempt through the zygote) and the child gets EOF: it exits unused."""
    import socket
    import threading

    from dagwell.core.plan import Locator
    from dagwell.runtimes.base import AttemptSpec
    from dagwell.runtimes.zygote import Zygote

    def spec(params: dict) -> AttemptSpec:
        return AttemptSpec(
            "run", "s", "s", 1, Locator("m", "f"), {}, params, (), "/nowhere", "k.json"
        )

    ours, theirs = socket.socketpair()
    zygote = Zygote(os.getpid(), -1, -1, ours)
    reads = []
    try:
        for slot, params in ((1, {"big": "x" * 200_000}), (2, {"n": 1})):
            spec_r, spec_w = os.pipe()
            done_r, done_w = os.pipe()
            os.close(done_w)
            zygote.warm[slot] = (4242 + slot, spec_w, done_r)
            handed: list[tuple[int, int] | None] = []
            writer = threading.Thread(
                target=lambda h=handed, n=slot, p=params: h.append(zygote.hand(n, spec(p))),
                daemon=True,
            )
            writer.start()
            writer.join(5)  # (nobody reads the pipe meanwhile)
            assert not writer.is_alive(), "the launch blocked on the warm child's pipe"
            reads.append((handed, os.read(spec_r, 1 << 20)))
            os.close(spec_r)
        (big_handed, big_read), (small_handed, small_read) = reads
        assert big_handed == [None] and big_read == b""  # EOF: that child exits unused
        ((pid, done),) = small_handed
        os.close(done)
        assert pid == 4244 and small_read.endswith(b"\n")
    finally:
        ours.close()
        theirs.close()


def test_an_attempt_asks_for_its_parents_death_without_loading_libc_again(monkeypatch):
    """Before: every forked attempt built a ctypes.CDLL and looked prctl up in it, ~20
    copy-on-write faults in the child before its step could start; now the zygote's own
    call leaves prctl cached for the attempts it forks."""
    import ctypes
    import signal

    from dagwell.runtimes import parent_death

    parent_death.die_with_parent(signal.SIGTERM, os.getppid())  # the zygote's call
    pid = os.fork()
    if pid == 0:  # an attempt: no CDLL any more, and the death signal still set
        code = 1
        try:
            monkeypatch.setattr(ctypes, "CDLL", None)
            parent_death.die_with_parent(signal.SIGKILL, os.getppid())
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    parent_death.die_with_parent(0, os.getppid())  # (signal 0: this test process's unset)


def test_a_warm_child_says_its_peak_rss_with_its_exit_code():
    """Before: ``D<code>`` only, and the orchestrator read the child's /proc status for its
    peak (~70 us on a chain's path, in the loop thread)."""
    from dagwell.runtimes import forked

    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(done_r)
        block = bytearray(50 * 2**20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        forked._exit(3, done_w)
    os.close(done_w)
    line = os.read(done_r, 64)
    os.close(done_r)
    os.waitpid(pid, 0)
    code, maxrss = line.removeprefix(b"D").split()
    assert int(code) == 3
    assert int(maxrss) >= 50 * 1024  # kB: the block it touched


def test_a_warm_childs_end_reads_no_proc_status(home, cgroups, monkeypatch):
    if cgroups != "v1":
        pytest.skip("warm children need cgroup v1 (v2 cannot rename a cgroup)")
    import builtins

    real_open = builtins.open

    def no_proc_status(file: object, *args: object, **kwargs: object) -> object:
        if str(file).startswith("/proc/") and str(file).endswith("/status"):
            raise AssertionError(f"{file} was read")
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", no_proc_status)
    run = workloads.warm_pair()
    steps = run.steps
    assert steps["big_then_pid"].attempts[0].peak_memory >= 50 * 10**6  # from the done line
    assert steps["process_still_there"].status.value == "completed"


def _linger(seconds: float) -> None:
    import time

    time.sleep(seconds)


def test_a_hooks_lingering_helper_process_does_not_hold_the_run_open(home, tmp_path):
    """A hook that forks a helper which outlives it (a notifier that lingers, a daemon).
    Before: the helper inherited the zygote's request pipe (and the warm children's spec
    pipes), so the zygote never saw EOF, its handle waited for it without bound, and the
    pipeline call returned only when the helper exited (61 s here; never for a daemon),
    with the run recorded 'running' and every step completed meanwhile."""
    import multiprocessing
    import time

    from dagwell import pipeline

    helpers: list[multiprocessing.process.BaseProcess] = []

    def notify() -> None:
        helper = multiprocessing.get_context("fork").Process(target=_linger, args=(60,))
        helper.start()
        helpers.append(helper)

    quick = workloads.load.with_options(on_success=notify, enable_cache=False)

    @pipeline(enable_cache=False, hook_timeout=2)
    def p() -> None:
        quick(2)
        workloads.nap(0.5)  # (the run goes on after the hook: warm children meanwhile)

    started = time.monotonic()
    try:
        run = p()
        took = time.monotonic() - started
        outlived = [helper.is_alive() for helper in helpers]
    finally:
        for helper in helpers:
            helper.kill()
            helper.join()
    assert took < 2 + 5, f"the pipeline call waited {took:.1f}s for a hook's helper process"
    assert outlived == [True]  # (it did outlive the hook and the run)
    assert run.status is RunStatus.COMPLETED


def test_closing_a_zygote_that_does_not_end_is_bounded():
    """If the zygote cannot end (a process that escaped the fd cleanup still holds its
    request pipe, its children do not exit), closing its handle stops it after the grace
    instead of waiting for it forever."""
    import socket
    import time

    from dagwell.runtimes.zygote import Zygote

    req_r, req_w = os.pipe()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:  # a zygote that never reads its requests nor ends on its own
        os.close(req_w)
        ours.close()
        time.sleep(60)
        os._exit(0)
    os.close(req_r)
    theirs.close()
    ours.setblocking(False)
    zygote = Zygote(pid, os.pidfd_open(pid), req_w, ours)
    started = time.monotonic()
    zygote.close(timeout=0.5)
    assert time.monotonic() - started < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # stopped and reaped


def test_a_spec_of_tens_of_megabytes_reaches_the_zygote_in_linear_time(tmp_path):
    """A step parameter of 40 MB travels in the spec. Before: the zygote appended each
    pipe read (often one page) to its buffer and searched all of it for the end of the
    line, so the request took time quadratic in its size (20 MB: ~50 s, 200 MB: hours,
    the run stuck before its first attempt); now it arrives in about a second."""
    import time

    from dagwell.core.plan import Locator
    from dagwell.runtimes.base import AttemptSpec
    from dagwell.runtimes.zygote import Started, Zygote

    spec = AttemptSpec(
        "bigrun", "s", "s", 1, Locator("workloads", "load"), {}, {"n": "x" * 40 * 10**6},
        ("output",), str(tmp_path / "store"), "m", log_path=str(tmp_path / "log"),
    )  # fmt: skip
    zygote = Zygote.start({"s": None})
    try:
        started = time.monotonic()
        zygote.submit(spec, [])
        while not zygote.news and time.monotonic() - started < 60:
            zygote.read()
            time.sleep(0.01)
        took = time.monotonic() - started
        assert [type(n) for n in zygote.news[:1]] == [Started], zygote.news
        assert took < 15, f"the attempt was forked {took:.1f}s after its request"
    finally:
        zygote.close()


@step(enable_cache=False, timeout=30)
def _stops_its_launcher_once() -> int:
    import signal
    import time

    if os.environ["DAGWELL_ATTEMPT_NUMBER"] == "1":
        os.kill(os.getppid(), signal.SIGSTOP)  # the zygote: as `kill -STOP` or a debugger
        time.sleep(60)
    return os.getppid()


def test_a_stopped_zygote_is_killed_and_its_attempts_retried_not_waited_for(home):
    """Before: a zygote stopped by SIGSTOP reaped nothing; its attempts' exits never came,
    not even after their timeout killed them, and the run waited until it was killed."""
    import time

    from dagwell import pipeline

    @pipeline(enable_cache=False)
    def p() -> None:
        _stops_its_launcher_once()

    started = time.monotonic()
    run = p()
    assert time.monotonic() - started < 20
    assert run.status is RunStatus.COMPLETED
    first, second = run.steps["_stops_its_launcher_once"].attempts
    assert first.failure.kind is FailureKind.LOST and first.budget == "infra"
    assert run.steps["_stops_its_launcher_once"].output.load() == os.getpid()  # forked directly
    assert leftover_cgroups() == []


HANGS_ITS_ZYGOTE = """
import os, sys, time
from dagwell import pipeline, step

ORCHESTRATOR = os.getpid()
FLAG = sys.argv[1]


def _hang_in_the_zygote() -> None:  # a library's fork handler that blocks, in the zygote only
    if os.getpid() != ORCHESTRATOR and os.path.exists(FLAG):
        time.sleep(600)


os.register_at_fork(before=_hang_in_the_zygote)


@step(enable_cache=False)
def arm() -> int:
    open(FLAG, "w").close()  # the zygote's next fork (a warm child, or the next attempt) hangs
    return 1


@step(enable_cache=False)
def after(x: int) -> int:
    return x + 1


@pipeline(enable_cache=False)
def p() -> None:
    x = arm()
    for _ in range(4):
        after(x)


p()
"""


def test_a_hung_zygote_is_killed_and_its_attempts_retried_not_waited_for(tmp_path):
    """A zygote blocked (here in a fork handler; not stopped, so its state is 'S') reaped
    and forked nothing. Before: its attempts' exits never came and the run waited forever.
    An attempt it forked that wrote its result before the zygote hung (``arm``, forked
    cold on a loaded machine) is completed by that result; one it never forked is lost."""
    import time

    from helpers import latest_run, run_script

    script = tmp_path / "hangs_its_zygote.py"
    script.write_text(HANGS_ITS_ZYGOTE)
    started = time.monotonic()
    done = run_script([str(script), str(tmp_path / "flag")], tmp_path / "home", timeout=90)
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "answered nothing for" in done.stderr
    assert took < 45, f"the run took {took:.0f}s"  # ANSWER_WITHIN (10 s), not forever
    run = latest_run(tmp_path / "home")
    assert run.status is RunStatus.COMPLETED
    lost = [a for s in run.steps.values() for a in s.attempts if a.failure is not None]
    arm = run.steps["arm"].attempts[0]  # its end: when it wrote its result, even unreported
    assert arm.failure is not None or arm.duration < 10, arm.duration  # (not the hang's 10 s)
    for attempt in lost:
        assert attempt.failure.kind is FailureKind.LOST and attempt.budget == "infra"
        assert "hung" in attempt.failure.message


def _never_reading_zygote():
    """A zygote handle whose process never reads its requests nor answers (hung)."""
    import socket
    import time

    from dagwell.runtimes.zygote import Zygote

    req_r, req_w = os.pipe()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        os.close(req_w)
        ours.close()
        time.sleep(60)
        os._exit(0)
    os.close(req_r)
    theirs.close()
    os.set_blocking(req_w, False)  # (as Zygote.start has it)
    ours.setblocking(False)
    return Zygote(pid, os.pidfd_open(pid), req_w, ours)


def test_a_request_a_hung_zygote_never_reads_is_given_up_and_the_zygote_killed(monkeypatch):
    """Before: a spec larger than the request pipe holds (a big parameter), sent to a zygote
    that reads nothing, blocked the orchestrator's loop in write() for good."""
    import time

    from dagwell.runtimes import zygote as zygote_module
    from dagwell.runtimes.zygote import ZygoteGone

    monkeypatch.setattr(zygote_module, "ANSWER_WITHIN", 0.5)
    zygote = _never_reading_zygote()
    started = time.monotonic()
    with pytest.raises(ZygoteGone, match="read none of its requests"):
        zygote._send({"ping": 1, "padding": "x" * 10**6})
    assert time.monotonic() - started < 5
    assert zygote._ended(5.0)  # killed
    zygote.close(timeout=0.5)


def test_a_zygote_that_answers_no_ping_is_silent_for_longer_and_longer():
    import time

    from dagwell.runtimes.zygote import Zygote

    live = Zygote.start({})
    try:
        assert live.silent_for(100.0) == 0.0  # (sends a ping)
        for _ in range(500):
            live.read()
            if live.silent_for(101.0) == 0.0:  # answered: the next ping goes out
                break
            time.sleep(0.01)
        else:
            raise AssertionError("a live zygote answered no ping within 5 s")
    finally:
        live.close()
    hung = _never_reading_zygote()
    try:
        assert hung.silent_for(100.0) == 0.0
        hung.read()
        assert hung.silent_for(104.0) == 4.0 and hung.silent_for(111.0) == 11.0
    finally:
        hung.close(timeout=0.5)


def test_an_answer_the_orchestrator_has_not_read_yet_is_no_silence():
    """The orchestrator looks at the zygote only while attempts run: a ping sent just as
    the last one ended, answered at once but unread through a retry's 30 s backoff, made
    the next look find the zygote 'silent for 30 s' and kill it, with the new attempt."""
    import select
    import time

    from dagwell.runtimes.zygote import Zygote

    zygote = Zygote.start({})
    try:
        assert zygote.silent_for(time.monotonic()) == 0.0  # (sends a ping)
        assert select.select([zygote.ev_r], [], [], 5.0)[0], "the zygote did not answer"
        assert zygote.silent_for(time.monotonic() + 30.0) == 0.0  # (read only now)
    finally:
        zygote.close()
