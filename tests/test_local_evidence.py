"""How a local attempt's end is read: from evidence, never from an exit code alone."""

import signal

from dagwell.core.failures import FailureKind, OomScope
from dagwell.core.manifest import ResultManifest
from dagwell.runtimes.local_evidence import LocalEvidence, classify_exit

MB = 10**6
OK = ResultManifest(ok=True)


def ev(**kw):
    base = dict(
        exit_code=0,
        signal=None,
        oom_kills=0,
        own_limit_hit=False,
        own_limit=None,
        peak_memory=100 * MB,
        node_memory=1400 * MB,
        manifest=OK,
    )
    base.update(kw)
    return classify_exit(LocalEvidence(**base))


def test_clean_exit_with_manifest_is_success():
    assert ev() is None


def test_oom_kill_at_own_limit():
    f = ev(
        exit_code=None, signal=9, oom_kills=1, own_limit_hit=True, own_limit=200 * MB, manifest=None
    )
    assert f.kind is FailureKind.OOM_KILLED and f.oom_scope is OomScope.OWN_LIMIT
    assert "200 MB" in f.message and f.signal == 9


def test_oom_kill_under_node_pressure():
    f = ev(exit_code=None, signal=9, oom_kills=1, manifest=None)
    assert f.oom_scope is OomScope.NODE_PRESSURE and "1.4 GB" in f.message


def test_oom_kill_with_exit_zero_is_still_a_failure():
    f = ev(oom_kills=1)  # a child process was OOM-killed, the step exited 0 anyway
    assert f.kind is FailureKind.OOM_KILLED and "not trusted" in f.message


def test_sigkill_without_oom_evidence_is_not_oom():
    f = ev(exit_code=None, signal=signal.SIGKILL, manifest=None)
    assert f.kind is FailureKind.LOST


def test_crash_signals_are_the_steps_fault():
    f = ev(exit_code=None, signal=signal.SIGSEGV, manifest=None)
    assert f.kind is FailureKind.USER_ERROR and "SIGSEGV" in f.message


def test_exception_manifest():
    m = ResultManifest(
        ok=False,
        error_kind="user_error",
        error_type="ValueError",
        error_message="bad",
        traceback="Traceback...",
    )
    f = ev(exit_code=1, manifest=m)
    assert f.kind is FailureKind.USER_ERROR and f.message == "ValueError: bad"
    assert f.traceback == "Traceback..."
    setup = ResultManifest(
        ok=False, error_kind="config_error", error_type="ConfigError", error_message="no module"
    )
    assert ev(exit_code=2, manifest=setup).kind is FailureKind.CONFIG_ERROR


def test_exits_without_a_manifest():
    assert "os._exit" in ev(exit_code=0, manifest=None).message
    f = ev(exit_code=3, manifest=None)
    assert f.kind is FailureKind.USER_ERROR and "code 3" in f.message


def test_stopped_by_dagwell_and_watchdog():
    assert ev(exit_code=None, signal=9, stop_reason=FailureKind.TIMEOUT).kind is FailureKind.TIMEOUT
    f = ev(
        exit_code=None, signal=9, watchdog_kill=OomScope.OWN_LIMIT, own_limit=10 * MB, manifest=None
    )
    assert f.kind is FailureKind.OOM_KILLED and "watchdog" in f.message


def test_an_attempt_that_exited_cleanly_before_a_stop_reached_it_succeeded():
    # its orchestrator learnt of the exit only after a stop request (it was frozen)
    assert ev(stop_reason=FailureKind.CANCELLED) is None
    assert ev(stop_reason=FailureKind.TIMEOUT) is None
    killed = ev(exit_code=None, signal=9, stop_reason=FailureKind.CANCELLED)
    assert killed.kind is FailureKind.CANCELLED
    oom = ev(
        exit_code=None,
        signal=9,
        stop_reason=FailureKind.CANCELLED,
        oom_kills=1,
        own_limit_hit=True,
        own_limit=MB,
    )
    assert oom.kind is FailureKind.CANCELLED  # a SIGKILL: dagwell's may have been the one


def test_an_attempt_that_failed_on_its_own_before_a_stop_reached_it_keeps_its_failure():
    """dagwell's stop is a SIGKILL: an exit, another signal, or a failure the step wrote
    came first. Before: each was recorded as the stop ('cancelled', or 'timeout')."""
    raised = ResultManifest(ok=False, error_kind="user_error", error_type="ValueError")
    for stop in (FailureKind.CANCELLED, FailureKind.TIMEOUT):
        assert ev(exit_code=1, manifest=raised, stop_reason=stop).kind is FailureKind.USER_ERROR
        crash = ev(exit_code=None, signal=signal.SIGSEGV, manifest=None, stop_reason=stop)
        assert crash.kind is FailureKind.USER_ERROR and "SIGSEGV" in crash.message
        quit_early = ev(manifest=None, stop_reason=stop)  # os._exit(0)
        assert quit_early.kind is FailureKind.USER_ERROR and "os._exit" in quit_early.message
        inside = ev(stop_reason=stop, oom_kills=1, own_limit_hit=True, own_limit=MB)
        assert inside.kind is FailureKind.OOM_KILLED  # it exited 0 after an OOM kill inside
        # its failure written, then killed on its way out: its failure still came first
        late = ev(exit_code=None, signal=signal.SIGKILL, manifest=raised, stop_reason=stop)
        assert late.kind is FailureKind.USER_ERROR
