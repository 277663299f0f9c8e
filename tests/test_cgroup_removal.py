"""Removing cgroups on the real memory controller (v1 here): nothing left behind."""

import subprocess
import time

from dagwell.runtimes.cgroups import _rmdir, detect


def test_a_cgroup_busy_for_seconds_after_its_kill_is_still_removed(cgroups):
    """Regression: a killed process leaves its cgroup only once its exit has freed its
    memory; the removal gave up after 0.86 s of EBUSY and left the cgroup behind (a chaos
    run on a machine at load 36 left a run's cgroup). A process still in the cgroup for
    1.5 s stands in for such a slow exit."""
    setup = detect("auto", node_dir="dagwell-test-removal")
    assert setup.base is not None
    group = setup.base / "busy"
    group.mkdir()
    sleeper = subprocess.Popen(["sleep", "1.5"])
    try:
        (group / "cgroup.procs").write_text(str(sleeper.pid))
        started = time.monotonic()
        _rmdir(group)  # waits: EBUSY until the sleeper exits
        waited = time.monotonic() - started
        assert not group.exists(), f"left behind after {waited:.2f}s"
        assert waited >= 1.0
    finally:
        sleeper.kill()
        sleeper.wait()
        if group.exists():
            group.rmdir()
        setup.base.rmdir()


def test_a_cgroup_that_stays_busy_is_left_within_its_patience(cgroups):
    """A cgroup whose process never leaves is not waited for forever: the removal gives
    up after its patience and says so."""
    setup = detect("auto", node_dir="dagwell-test-removal-stuck")
    assert setup.base is not None
    group = setup.base / "stuck"
    group.mkdir()
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        (group / "cgroup.procs").write_text(str(sleeper.pid))
        started = time.monotonic()
        _rmdir(group, patience=0.5)
        assert time.monotonic() - started < 5
        assert group.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
        _rmdir(group)
        setup.base.rmdir()
