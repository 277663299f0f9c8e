"""Shared fixtures: an isolated DAGWELL_HOME per test, and real-resource gates.

Tests that need real cgroups or PostgreSQL skip with the reason printed when the machine
lacks them, except when DAGWELL_REQUIRE_REAL=1 (set by `make test` and CI): then a missing
resource is a failure, because on these machines none of those tests may skip.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--chaos-faults",
        type=int,
        default=200,
        help="how many faults the chaos suite injects (default 200)",
    )


_MOVED: list[tuple[Path, Path]] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    from cgroup_isolation import enter_own_cgroups

    # A suite started in the background by a non-interactive shell inherits SIGINT ignored,
    # and so would every orchestrator it starts: Ctrl-C tests would then hang. Children of
    # a process with a Python handler start with the default disposition.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)

    if os.geteuid() == 0:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        _MOVED.extend(enter_own_cgroups(f"pytest-{worker}-{os.getpid()}"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    from cgroup_isolation import leave_own_cgroups

    leave_own_cgroups(_MOVED)


def need(reason_missing: str | None) -> None:
    """Skip (or fail under DAGWELL_REQUIRE_REAL=1) when a real resource is missing."""
    if reason_missing is None:
        return
    if os.environ.get("DAGWELL_REQUIRE_REAL") == "1":
        pytest.fail(f"required resource missing: {reason_missing}")
    pytest.skip(reason_missing)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "home"
    monkeypatch.setenv("DAGWELL_HOME", str(root))
    monkeypatch.delenv("DAGWELL_STORE_URL", raising=False)
    monkeypatch.delenv("DAGWELL_ARTIFACT_STORE", raising=False)
    monkeypatch.delenv("DAGWELL_LOCAL_MEMORY", raising=False)
    monkeypatch.setenv("DAGWELL_PROGRESS", "0")
    yield root


@pytest.fixture
def cgroups() -> str:
    """The cgroup version usable here; skips (or fails, in CI) when there is none."""
    from dagwell.runtimes.cgroups import detect

    setup = detect("auto", node_dir="dagwell-test-probe")
    if setup.base is not None:
        setup.base.rmdir()
    need(
        None
        if setup.version != "none"
        else f"no writable cgroup memory controller: "
        f"{setup.reason} (run as root on a machine with cgroups)"
    )
    return setup.version


def _node_cgroups() -> list[Path]:
    from dagwell.runtimes.cgroups import detect

    setup = detect("auto")
    if setup.base is None or not setup.base.exists():
        return []
    return sorted(p for p in setup.base.iterdir() if p.is_dir())


_BEFORE_TEST: set[str] = set()


def leftover_cgroups() -> list[str]:
    """Node cgroups dagwell left under this process's memory cgroup since the test began
    (should be none). Ones an earlier, failed test left are not this test's."""
    return sorted(p.name for p in _node_cgroups() if p.name not in _BEFORE_TEST)


@pytest.fixture(autouse=True)
def _cgroups_left_by_this_test() -> Iterator[None]:
    """Remember the node cgroups present before each test, and clear the ones it left (a
    failed or timed-out test must not make every later test on this worker fail too)."""
    from cgroup_isolation import remove_node_cgroup

    _BEFORE_TEST.clear()
    _BEFORE_TEST.update(p.name for p in _node_cgroups())
    yield
    for path in _node_cgroups():
        if path.name not in _BEFORE_TEST:
            remove_node_cgroup(path)


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory):
    """The real Kubernetes control plane (etcd, kube-apiserver, kube-scheduler,
    kube-controller-manager v1.20.2), one per pytest-xdist worker: nodes are cluster-scoped,
    so a plane shared between workers would let the scheduler put one worker's pods on
    another's nodes. Its processes die with the worker (PR_SET_PDEATHSIG)."""
    from dagwell.testing.kube.control_plane import ControlPlane, missing_binaries

    need(missing_binaries())
    plane = ControlPlane(tmp_path_factory.mktemp("k8s-control-plane")).start()
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    base = tmp_path_factory.getbasetemp()
    name = worker or "main"
    summary = (base.parent if worker else base) / f"k8s-control-plane-{name}.txt"
    summary.write_text(
        f"{name}: real Kubernetes control plane {plane.version()} (kube-apiserver, "
        f"kube-scheduler, kube-controller-manager; etcd {plane.etcd_version()}) started in "
        f"{plane.startup_seconds:.1f}s\n"
    )
    yield plane
    try:
        left = plane.leftovers() + _kube_cgroups_left()
    finally:
        plane.stop()
    assert not left, f"the Kubernetes tests left objects behind: {left}"


def _kube_cgroups_left() -> list[str]:
    """cgroups (memory and cpu) of test clusters still under this process's own."""
    from dagwell.runtimes.cgroups import detect

    setup = detect("auto", node_dir="dagwell-kube-probe")
    left = []
    for base in (setup.base, setup.cpu_base):
        if base is None:
            continue
        if base.exists():
            base.rmdir()
        left += [str(p) for p in base.parent.glob("dagwell-kube-*") if p.is_dir()]
    return left


@pytest.fixture
def kube(control_plane, tmp_path):
    """A factory of clusters on the real control plane: ``kube(nodes={...}, quotas=[...])``;
    each gets its own namespace and nodes, and is stopped (nothing left) after the test."""
    from dagwell.testing.kube import KubeCluster

    made = []

    def make(nodes=None, **options):
        options.setdefault("workdir", tmp_path / f"cluster-{len(made)}")
        cluster = KubeCluster(control_plane, nodes, **options).start()
        made.append(cluster)
        return cluster

    yield make
    for cluster in reversed(made):
        cluster.stop()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say which control plane the Kubernetes tests ran against (one line per worker)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    base = config._tmp_path_factory.getbasetemp()
    for path in sorted(base.glob("k8s-control-plane-*.txt")):
        terminalreporter.write_line(path.read_text().rstrip())


@pytest.fixture(scope="session")
def postgres_server():
    from postgres_server import find_bindir, start

    bindir = find_bindir()
    need(
        None
        if bindir
        else "PostgreSQL server binaries (initdb) not found; install "
        "postgresql (15) to run the store tests on PostgreSQL"
    )
    server = start(bindir)
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty database on the session's PostgreSQL server."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return postgres_server.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres_url")
