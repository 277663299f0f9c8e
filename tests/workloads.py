"""Steps and pipelines the integration tests run (a module, so spawned workers import it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Annotated

from dagwell import ResourceSettings, StepRetryConfig, pipeline, step

MB = 10**6


def allocate(mb: int) -> bytearray:
    block = bytearray(mb * MB)
    for i in range(0, len(block), 4096):
        block[i] = 1
    return block


@step(enable_cache=False)
def hog(mb: int = 400, seconds: float = 1.0) -> None:
    block = allocate(mb)
    time.sleep(seconds)
    del block


@step
def crowded_hog(mb: int, seconds: float, crowd_dir: str, crowd: int = 4) -> None:
    """A hog that allocates only once ``crowd`` attempts have started (markers in
    ``crowd_dir``, 60 s at most), so that that many hold their memory together however
    slowly a loaded machine starts them: the kernel must then kill some."""
    os.makedirs(crowd_dir, exist_ok=True)
    open(os.path.join(crowd_dir, f"{os.getpid()}-{time.monotonic_ns()}"), "w").close()
    deadline = time.monotonic() + 60
    while len(os.listdir(crowd_dir)) < crowd and time.monotonic() < deadline:
        time.sleep(0.02)
    block = allocate(mb)
    time.sleep(seconds)
    del block


@step
def load(n: int = 5) -> list[int]:
    print(f"loading {n} numbers")
    return list(range(n))


@step
def train(data: list[int], lr: float = 0.5) -> Annotated[float, "model"]:
    return sum(data) * lr


@step
def evaluate(model: float, data: list[int]) -> dict[str, float]:
    return {"score": model / max(1, len(data))}


@pipeline
def ml(n: int = 5, lr: float = 0.5) -> None:
    data = load(n)
    model = train(data, lr=lr)
    evaluate(model, data)


@step
def explode(message: str = "boom") -> int:
    print("about to fail")
    raise ValueError(message)


@step
def after_failure(x: int) -> int:
    return x


@pipeline(enable_cache=False)
def failing() -> None:
    after_failure(explode())
    load()


@step(enable_cache=False)
def die(how: str) -> None:
    print(f"dying by {how}", flush=True)
    if how == "exit":
        os._exit(3)
    if how == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if how == "kill":  # from another process, as an outside kill comes (a step's own
        # os.kill of itself is its own failure: see dagwell.runtimes.self_kill)
        subprocess.run(["kill", "-KILL", str(os.getpid())], check=False)
        time.sleep(60)  # (SIGKILL lands as kill(1) returns)
    if how == "flood":
        chunk = "x" * 1023 + "\n"
        for _ in range(50_000):  # ~50 MB of output
            sys.stdout.write(chunk)
        return
    if how == "sysexit":
        sys.exit(0)


@pipeline(enable_cache=False, on_failure="continue")
def mayhem() -> None:
    for how in ("exit", "segfault", "kill", "flood", "sysexit"):
        die(how, id=f"die_{how}")


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0))
def fail_on(go: str) -> None:
    """Raises ValueError("boom") once the file ``go`` exists (the test's moment)."""
    while not os.path.exists(go):
        time.sleep(0.01)
    raise ValueError("boom")


@step(enable_cache=False)
def nap(seconds: float = 30.0) -> None:
    print("napping", flush=True)
    time.sleep(seconds)


@pipeline(enable_cache=False)
def sleepy(count: int = 3, seconds: float = 30.0) -> None:
    for _ in range(count):
        nap(seconds)


@step(enable_cache=False, resources=ResourceSettings(memory="200MB"))
def greedy(mb: int = 300) -> None:
    print("allocating", flush=True)
    allocate(mb)
    time.sleep(0.2)


@step(
    enable_cache=False,
    resources=ResourceSettings(memory="200MB"),
    retry=StepRetryConfig(max_retries=1, memory_factor=2),
)
def growing(mb: int = 300) -> None:
    allocate(mb)


@step(enable_cache=False)
def zygote_pid_once(flag: str) -> int:
    """Attempt 1 writes the pid of the process that forked it (the zygote) to ``flag``, for
    the test to kill from outside, then waits to die with it."""
    if not os.path.exists(flag):
        with open(flag + ".tmp", "w") as f:
            f.write(str(os.getppid()))
        os.rename(flag + ".tmp", flag)
        time.sleep(30)
    return os.getppid()


@pipeline(enable_cache=False)
def zygote_killed(flag: str) -> None:
    zygote_pid_once(flag)
    for _ in range(3):
        nap(0.2)


def _mark(ledger: str, name: str) -> None:
    with open(ledger, "a") as f:
        f.write(name + "\n")


@step(enable_cache=False)
def quick(ledger: str, name: str) -> str:
    _mark(ledger, name)
    return name


@step(enable_cache=False)
def slow_first_time(ledger: str, upstream: str, flag: str) -> str:
    _mark(ledger, "slow")
    if not os.path.exists(flag):
        open(flag, "w").close()
        time.sleep(120)
    return upstream + "+slow"


@pipeline(enable_cache=False)
def resumable(ledger: str, flag: str) -> None:
    a = quick(ledger, "a", id="a")
    quick(ledger, "c", id="c")
    slow_first_time(ledger, a, flag, id="b")
    quick(ledger, "d", id="d", after="b")


@step(enable_cache=False)
def my_cgroups() -> str:
    with open("/proc/self/cgroup") as f:
        return f.read()


@pipeline(enable_cache=False)
def where_am_i() -> None:
    my_cgroups()


@step(enable_cache=False, resources=ResourceSettings(memory="200MB"))
def greedy_and_slow(mb: int = 300) -> None:
    """Over its limit for 2 s: long enough for the sampling watchdog to see it."""
    block = allocate(mb)
    time.sleep(2.0)
    del block


def _wait_at(gate: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not os.path.exists(gate):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the test never opened the gate {gate} ({timeout:.0f}s)")
        time.sleep(0.05)


@step(enable_cache=False)
def marked_nap(ledger: str, name: str, seconds: float, gate: str | None = None) -> str:
    """Naps ``seconds``, then, given a ``gate``, waits for it as :func:`gated` does."""
    _mark(ledger, name)
    print(f"{name} naps {seconds}s", flush=True)
    time.sleep(seconds)
    if gate is not None:
        _wait_at(gate, 300.0)
    print(f"{name} woke up", flush=True)
    return name


@pipeline(enable_cache=False)
def detachable(ledger: str, seconds: float = 4.0, gate: str | None = None) -> None:
    """Steps a, b, c in order; b naps (and waits at ``gate``, when given)."""
    quick(ledger, "a", id="a")
    marked_nap(ledger, "b", seconds, gate, id="b", after="a")
    quick(ledger, "c", id="c", after="b")


@step(enable_cache=False)
def creep(first: int = 60, then: int = 300, pause: float = 0.8) -> None:
    """Holds ``first`` MB for ``pause`` s, then grows by ``then`` MB (sampled, then killed)."""
    held = allocate(first)
    time.sleep(pause)
    more = allocate(then)
    del held, more


@step(enable_cache=False)
def gated(gate: str, timeout: float = 120.0) -> None:
    """Runs until the file ``gate`` exists: a test disturbs the attempt (deletes its pod,
    loses its node, ...) and then opens the gate, so no attempt can end before the test
    is done with it, however loaded the machine. A gate never opened fails the step."""
    print("waiting at the gate", flush=True)
    _wait_at(gate, timeout)


@pipeline(enable_cache=False)
def gated_steps(gate: str, count: int = 1) -> None:
    for _ in range(count):
        gated(gate)  # invocation ids: gated, gated_2, ...


@step(enable_cache=False)
def process_started_at(after: float) -> float:
    """When this attempt's process was created (epoch seconds, 10 ms resolution)."""
    with open("/proc/self/stat") as f:
        ticks = int(f.read().rsplit(")", 1)[1].split()[19])  # since boot
    age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    return time.time() - age


@step(enable_cache=False)
def nap_then_now(seconds: float) -> float:
    time.sleep(seconds)
    return time.time()


@pipeline(enable_cache=False)
def warm_chain() -> None:
    """A slow step, then one whose process says when it was made, then one over its limit."""
    process_started_at(nap_then_now(1.0))
    hog.with_options(resources=ResourceSettings(memory="100MB"))(
        300, 0.0, after="process_started_at"
    )


_KEPT: list[bytearray] = []  # what a step keeps until its process exits


@step(enable_cache=False)
def big_then_pid(after: float, mb: int) -> int:
    """Touch ``mb`` MB and keep it to the end: the kernel takes ~0.1 s per GB to tear that
    down when the process exits. (A block freed at the step's return would be unmapped
    before the step says it is done, leaving only a few milliseconds of exit.)"""
    block = bytearray(mb * MB)
    for i in range(0, len(block), 4096):
        block[i] = 1
    _KEPT.append(block)
    return os.getpid()


@step(enable_cache=False)
def process_still_there(pid: int) -> bool:
    """Whether the process of the step before this one still exists as this one starts."""
    return os.path.exists(f"/proc/{pid}")


@pipeline(enable_cache=False)
def warm_pair() -> None:
    """Two steps after a nap: the second, a warm child, touches 60 MB."""
    process_still_there(big_then_pid(nap_then_now(0.5), 60))


@pipeline(enable_cache=False)
def exit_overlap() -> None:
    """A chain whose second step (a warm child) has a large address space to tear down."""
    process_still_there(big_then_pid(nap_then_now(0.5), 1500))


@step(enable_cache=False)
def parent_huge_pages() -> int:
    """The anonymous huge pages (kB) of the process that forked this attempt."""
    with open(f"/proc/{os.getppid()}/smaps_rollup") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("AnonHugePages"))


@pipeline(enable_cache=False)
def huge_pages_probe() -> None:
    parent_huge_pages()


@step(enable_cache=False)
def own_env(before: str) -> str:
    """What this attempt's environment says it is (a warm child rehearsed another's)."""
    return f"{os.environ['DAGWELL_STEP_ID']}/{os.environ['DAGWELL_ATTEMPT_NUMBER']}"


@pipeline(enable_cache=False)
def env_chain() -> None:
    """A chain: each attempt after the first runs in a warm child that, while it waited,
    rehearsed its start with the spec of the attempt launched before it."""
    x = own_env("")
    for _ in range(3):
        x = own_env(x)


class Lingering:
    """A value whose finalizer blocks (as one that joins a thread or waits on a socket)."""

    def __init__(self) -> None:
        self.sleep = time.sleep  # (at interpreter shutdown, module globals may be gone)

    def __del__(self) -> None:
        self.sleep(60)


class LingeringError(RuntimeError):
    def __init__(self) -> None:
        super().__init__("a failure that holds a lingering value")
        self.held = Lingering()


@step(enable_cache=False, timeout=15)
def returns_a_lingering_value() -> Lingering:
    return Lingering()


@step(enable_cache=False, timeout=15)
def raises_a_lingering_error() -> None:
    raise LingeringError()


@pipeline(enable_cache=False, on_failure="continue")
def lingering_values() -> None:
    returns_a_lingering_value()
    raises_a_lingering_error()
