"""cgroup v2 file handling, on a fake tree (this machine has v1; v2 memory is not here).

The v1 paths are exercised for real by the OOM tests; these check that v2 evidence
(memory.events.local, memory.peak) and limits are read and written as the kernel expects.
"""

from dagwell.runtimes.cgroups import PAGE, V1Node, V2Attempt, V2Node, _keyed, _read


def test_keyed_parser():
    assert _keyed("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n") == {
        "low": 0,
        "high": 0,
        "max": 3,
        "oom": 1,
        "oom_kill": 1,
    }


def test_v2_attempt_evidence(tmp_path):
    group = tmp_path / "wait.1"
    group.mkdir()
    (group / "memory.events.local").write_text("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n")
    (group / "memory.peak").write_text("209715200\n")
    (group / "cgroup.procs").write_text("")
    evidence = V2Attempt(group).evidence()
    assert evidence.oom_kills == 1 and evidence.own_limit_hit
    assert evidence.peak_memory == 209715200


def test_v2_node_writes_limits(tmp_path):
    node = V2Node(tmp_path)
    attempt = node.attempt("s.1", 200 * 2**20, 0.5)
    assert (attempt.path / "memory.max").read_text() == str(200 * 2**20)
    assert (attempt.path / "memory.swap.max").read_text() == "0"
    assert (attempt.path / "cpu.max").read_text() == "50000 100000"
    (tmp_path / "memory.stat").write_text("anon 1000\nfile 50\nshmem 24\n")
    assert node.usage() == 1024


def test_v1_attempt_evidence_uses_the_limit_it_wrote(tmp_path):
    """evidence() runs on the loop's critical path: it must not read back the limit the
    runtime wrote itself (one file less per attempt), and must judge it as the kernel
    keeps it (whole pages)."""
    node = V1Node(tmp_path, None)
    limit = 100_000_000
    attempt = node.attempt("s.1", limit, None)
    assert _read(attempt.path / "memory.limit_in_bytes") == str(limit)
    (attempt.path / "memory.limit_in_bytes").unlink()  # proves it is not read again
    (attempt.path / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\n")
    (attempt.path / "memory.failcnt").write_text("0\n")
    kept = limit // PAGE * PAGE
    (attempt.path / "memory.max_usage_in_bytes").write_text(f"{kept - 2**20}\n")
    evidence = attempt.evidence()
    assert evidence.own_limit_hit and evidence.oom_kills == 0
    assert evidence.peak_memory == kept - 2**20
    (attempt.path / "memory.max_usage_in_bytes").write_text(f"{kept - 3 * 2**20}\n")
    assert not attempt.evidence().own_limit_hit


def test_v1_attempt_without_a_limit_is_never_at_its_limit(tmp_path):
    attempt = V1Node(tmp_path, None).attempt("s.1", None, None)
    (attempt.path / "memory.oom_control").write_text("oom_kill 0\n")
    (attempt.path / "memory.failcnt").write_text("0\n")
    (attempt.path / "memory.max_usage_in_bytes").write_text("123\n")
    assert not attempt.evidence().own_limit_hit


def test_read_returns_whole_control_files(tmp_path):
    big = "x" * 200_000  # larger than one read
    (tmp_path / "f").write_text(big)
    assert _read(tmp_path / "f") == big


def test_a_live_attempts_evidence_reads_no_memory_stat(tmp_path):
    """Before: every attempt's end read memory.stat too (the dearest of its cgroup files,
    ~40 counters), though a live attempt's peak comes from its samples and RSS; only a
    recovered attempt (its orchestrator died) needs the charged peak less the cache."""
    attempt = V1Node(tmp_path, None).attempt("s.1", None, None)
    (attempt.path / "memory.oom_control").write_text("oom_kill 1\n")
    (attempt.path / "memory.failcnt").write_text("2\n")
    (attempt.path / "memory.max_usage_in_bytes").write_text("123\n")
    (attempt.path / "memory.stat").mkdir()  # reading it would fail
    evidence = attempt.evidence(own_peak=False)
    assert evidence.oom_kills == 1 and evidence.own_limit_hit and evidence.usage_peak == 123
    assert evidence.peak_memory is None
    group = tmp_path / "v2.1"
    group.mkdir()
    (group / "memory.events").write_text("max 0\noom_kill 0\n")
    (group / "memory.stat").mkdir()
    assert V2Attempt(group).evidence(own_peak=False).peak_memory is None
