"""What a local attempt's end means, decided from evidence, never from an exit code alone.

Pure function of what the local runtime gathered after reaping the process: its exit
status, the OOM-kill counter and failure count of its cgroup (or the watchdog's verdict),
its peak memory, the manifest it wrote (or not), whether dagwell itself stopped it (and
whether the stop or the attempt's own end came first), and (without a manifest) the
exception its log ends with.
"""

from __future__ import annotations

import signal as signals
from dataclasses import dataclass, replace

from dagwell.core.failures import Failure, FailureKind, OomScope
from dagwell.core.manifest import ResultManifest
from dagwell.core.units import format_bytes
from dagwell.runtimes.self_kill import SELF_KILL, expected_signal
from dagwell.runtimes.worker import EXIT_NO_SPACE

_CRASH_SIGNALS = {
    signals.SIGSEGV,
    signals.SIGABRT,
    signals.SIGBUS,
    signals.SIGILL,
    signals.SIGFPE,
    signals.SIGSYS,
}


@dataclass(frozen=True)
class LocalEvidence:
    exit_code: int | None  # None when killed by a signal
    signal: int | None
    oom_kills: int  # the attempt cgroup's kernel OOM-kill counter
    own_limit_hit: bool  # its own limit was reached (failcnt > 0), not only the node's
    own_limit: int | None
    peak_memory: int | None
    node_memory: int | None
    manifest: ResultManifest | None
    stop_reason: FailureKind | None = None  # dagwell stopped it (timeout, cancel)
    watchdog_kill: OomScope | None = None  # the RSS watchdog killed it (no cgroups)
    backend: str = "cgroup v1"
    log_exception: tuple[str, str] | None = None  # (last line, traceback) ending its log


def _signal_name(number: int) -> str:
    try:
        return signals.Signals(number).name
    except ValueError:
        return f"signal {number}"


#: A node-pressure victim that held this share of the node at its peak had the node
#: (nearly) to itself: the others were too small to be the cause.
ALONE_SHARE = 0.8


def _filled_the_node(ev: LocalEvidence) -> bool:
    return bool(
        ev.node_memory and ev.peak_memory and ev.peak_memory >= ALONE_SHARE * ev.node_memory
    )


def _met(ev: LocalEvidence) -> LocalEvidence:
    """The evidence with a timer's note (see self_kill.pending_kill) kept only if the
    attempt died of that timer's signal: set earlier, it may never have fired (the step
    was stopped, or killed otherwise, meanwhile)."""
    expected = expected_signal(ev.manifest.error_type) if ev.manifest else None
    if expected is None or ev.manifest is None:
        return ev
    if ev.signal != expected:
        return replace(ev, manifest=None)
    return replace(ev, manifest=replace(ev.manifest, error_type=SELF_KILL))


def ended_before_stop(ev: LocalEvidence) -> bool:
    """Whether an attempt dagwell stopped (``stop_reason``) had ended on its own first.

    dagwell's stop is a SIGKILL, after which the attempt runs no code: one that exited, died
    by another signal (a crash), or wrote a result manifest recording its own failure ended
    before the kill landed, however soon after its end the stop came (a Ctrl-C while the
    step's exception was being written). Its own end is then the truth, not the stop."""
    if ev.stop_reason is None:
        return False
    ev = _met(ev)
    own_failure = ev.manifest is not None and not ev.manifest.ok
    return own_failure or ev.signal != signals.SIGKILL


def classify_exit(ev: LocalEvidence) -> Failure | None:
    """None when the attempt succeeded; otherwise the failure, with its evidence."""
    ev = _met(ev)
    code, sig = ev.exit_code, ev.signal
    peak = format_bytes(ev.peak_memory)
    clean = code == 0 and ev.manifest is not None and ev.manifest.ok
    if clean and not ev.oom_kills and ev.watchdog_kill is None:
        return None  # it had exited with its outputs before a stop (or timeout) reached it
    if ev.stop_reason is not None and not ended_before_stop(ev):
        return Failure(ev.stop_reason, "stopped by dagwell", code, sig)
    if ev.oom_kills > 0 or ev.watchdog_kill is not None:
        scope = ev.watchdog_kill or (
            OomScope.OWN_LIMIT if ev.own_limit_hit and ev.own_limit else OomScope.NODE_PRESSURE
        )
        if scope is OomScope.NODE_PRESSURE and _filled_the_node(ev):
            scope = OomScope.STEP_EXCEEDS_NODE
        who = "dagwell's memory watchdog (no cgroups here)" if ev.watchdog_kill else "the kernel"
        if scope is OomScope.OWN_LIMIT:
            why = f"it reached its own {format_bytes(ev.own_limit)} limit (peak {peak})."
        elif scope is OomScope.STEP_EXCEEDS_NODE:
            why = (
                f"this step alone needs more than the node's {format_bytes(ev.node_memory)}: "
                f"it held {peak} of it when it was killed, so no other step was to blame. "
                "Give the orchestrator more memory (LocalOrchestrator(memory=...)) or make the "
                "step use less; retrying on this node cannot help."
            )
        else:
            why = (
                f"the node's {format_bytes(ev.node_memory)} were exhausted by the steps "
                f"running together (this attempt's peak: {peak})."
            )
        note = "" if code is None or code == 137 else f" The process then exited with code {code}."
        if code == 0:
            note = " It exited 0, but an OOM kill inside it means its outputs are not trusted."
        return Failure(
            FailureKind.OOM_KILLED,
            f"OOM-killed by {who}: {why}{note}",
            code,
            sig,
            "OOMKilled",
            scope,
            retryable=scope is not OomScope.STEP_EXCEEDS_NODE,
        )
    manifest = ev.manifest
    if manifest is not None and not manifest.ok:
        kind = FailureKind(manifest.error_kind or FailureKind.USER_ERROR)
        return Failure(
            kind,
            manifest.error_text(),
            code,
            sig,
            manifest.error_type,
            traceback=manifest.traceback,
        )
    if sig is not None:
        name = _signal_name(sig)
        if sig in _CRASH_SIGNALS:
            return Failure(
                FailureKind.USER_ERROR, f"The step process crashed with {name}.", code, sig, name
            )
        return Failure(
            FailureKind.LOST,
            (
                f"The step process was killed by {name} from outside dagwell; no OOM kill was "
                "recorded in its cgroup."
            ),
            code,
            sig,
            name,
        )
    if code == EXIT_NO_SPACE and manifest is None:
        return Failure(
            FailureKind.LOST,
            (
                "The attempt could not write its results: the disk (or quota) of the artifact "
                "store or of DAGWELL_HOME is full. Free space there; the step is retried from "
                "the infrastructure budget."
            ),
            code,
            sig,
            "NoSpace",
        )
    if ev.log_exception is not None:  # it could not write its result; its log says why
        last, trace = ev.log_exception
        return Failure(
            FailureKind.USER_ERROR,
            (
                f"The step process exited with code {code} without writing its results, "
                f"after {last} (the traceback is in its log)."
            ),
            code,
            sig,
            last.partition(":")[0],
            traceback=trace,
        )
    if code == 0:
        return Failure(
            FailureKind.USER_ERROR,
            (
                "The step process exited with code 0 before writing its results; did the step "
                "call os._exit()?"
            ),
            code,
            sig,
        )
    return Failure(
        FailureKind.USER_ERROR,
        (
            f"The step process exited with code {code} without writing its results (os._exit or "
            "a crash in native code)."
        ),
        code,
        sig,
    )


def classify_unreported(ev: LocalEvidence, lost: str) -> Failure | None:
    """The end of an attempt whose exit status was never reported (its launcher died
    first, the attempt killed with it), from the evidence left: an OOM kill in its cgroup;
    else the result it wrote before it was killed (an ok one, its outputs committed, is
    its success; a failed one its own failure), as for the attempts of an orchestrator
    that died; else it is ``lost``, with the message ``lost``."""
    ev = _met(ev)  # (a timer's note: its signal is not known to have come)
    if ev.oom_kills:
        return classify_exit(replace(ev, exit_code=None, signal=signals.SIGKILL))
    if ev.manifest is not None and ev.manifest.ok:
        return None
    if ev.manifest is not None:
        return classify_exit(replace(ev, exit_code=None, signal=None))
    return Failure(FailureKind.LOST, lost)
