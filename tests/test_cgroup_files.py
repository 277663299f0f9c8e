"""cgroup v2 file handling, on a fake tree (this machine has v1; v2 memory is not here).

The v1 paths are exercised for real by the OOM tests; these check that v2 evidence
(memory.events.local, memory.peak) and limits are read and written as the kernel expects.
"""

from dagwell.runtimes.cgroups import V2Attempt, V2Node, _keyed


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
