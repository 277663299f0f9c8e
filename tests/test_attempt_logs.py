"""Attempt logs in the artifact store (local directory and an fsspec object store): stored
by byte offset, so a writer that reads a pod's log again from its start (a restarted
orchestrator) neither loses nor duplicates a byte; parts joined into one object at the end;
readers follow by offset; and the reader prefers the shared copy over this home's."""

import pytest

from dagwell.api.run_logs import AttemptLogReader
from dagwell.artifact_store.attempt_logs import AttemptLog
from dagwell.artifact_store.store import LocalArtifactStore, open_artifact_store


@pytest.fixture(params=["local", "memory"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalArtifactStore(tmp_path / "artifacts")
    return open_artifact_store(f"memory://dagwell-logs-{tmp_path.name}/prefix")


def test_a_log_is_kept_by_offset_and_a_writer_reading_again_from_the_start_adds_nothing_twice(
    store,
):
    first = AttemptLog(store, "run1", "train", 1)
    assert first.read() is None and not first.exists()
    assert first.append(0, b"line 1\n") == 7
    assert first.append(7, b"line 2\n") == 7
    # a restarted orchestrator: a new writer, which reads the pod's log from its start
    second = AttemptLog(store, "run1", "train", 1)
    assert second.append(0, b"line 1\nli") == 0
    assert second.append(9, b"ne 2\nline 3\n") == 7
    assert second.read() == b"line 1\nline 2\nline 3\n"
    assert AttemptLog(store, "run1", "train", 1).read(14) == b"line 3\n"
    with pytest.raises(ValueError, match="gap"):
        second.append(100, b"x")


def test_two_writers_at_once_store_overlapping_parts_that_read_as_one_output(store):
    stuck, successor = AttemptLog(store, "r", "s", 2), AttemptLog(store, "r", "s", 2)
    stuck.stored(), successor.stored()  # both listed the store before either wrote
    stuck.append(0, b"abcdef")
    successor.append(0, b"abc")
    successor.append(3, b"defgh")
    assert AttemptLog(store, "r", "s", 2).read() == b"abcdefgh"
    assert AttemptLog(store, "r", "s", 2).read(4) == b"efgh"


def test_finish_joins_the_parts_into_one_object_and_repeating_it_changes_nothing(store):
    log = AttemptLog(store, "run1", "étape 1/2", 3)
    for offset in range(0, 30, 10):
        log.append(offset, bytes([65 + offset // 10]) * 10)
    parts = store.list_blobs(log.prefix)
    assert len(parts) == 3
    log.finish()
    [joined] = store.list_blobs(log.prefix)
    assert joined.endswith("complete-000000000030.log")
    assert log.read() == b"A" * 10 + b"B" * 10 + b"C" * 10
    log.finish()
    assert store.list_blobs(log.prefix) == [joined]
    again = AttemptLog(store, "run1", "étape 1/2", 3)  # an orchestrator adopting the ended pod
    assert again.append(0, b"A" * 10 + b"B" * 10 + b"C" * 10) == 0
    assert again.size() == 30 and again.read(25) == b"C" * 5


def test_an_attempt_that_printed_nothing_has_an_empty_log_not_none(store):
    log = AttemptLog(store, "run1", "quiet", 1)
    log.finish()
    assert log.exists() and log.read() == b""


def test_finish_after_a_crash_between_joining_and_removing_the_parts(store):
    log = AttemptLog(store, "run1", "s", 1)
    log.append(0, b"hello ")
    log.append(6, b"world")
    store.write_blob(f"{log.prefix}/complete-000000000011.log", b"hello world")  # then died
    assert AttemptLog(store, "run1", "s", 1).read() == b"hello world"
    AttemptLog(store, "run1", "s", 1).finish()
    assert [k.rsplit("/", 1)[-1] for k in store.list_blobs(log.prefix)] == [
        "complete-000000000011.log"
    ]


def test_the_reader_takes_the_shared_copy_else_this_homes_file(store, tmp_path):
    local = tmp_path / "home" / "logs" / "run1" / "s.1.log"
    reader = AttemptLogReader(AttemptLog(store, "run1", "s", 1), local)
    assert reader.read() is None and reader.size() == 0 and reader.text() is None
    local.parent.mkdir(parents=True)
    local.write_bytes(b"local and partial")
    assert reader.read(6) == b"and partial" and reader.size() == 17
    AttemptLog(store, "run1", "s", 1).append(0, b"local and partial, then the rest")
    assert reader.text() == "local and partial, then the rest"
    assert reader.read(17) == b", then the rest" and reader.size() == 32


def test_the_dashboard_and_the_client_read_a_log_kept_only_in_the_artifact_store(home):
    """A detached run's log is in the artifact store only (this home never had it): the
    dashboard's log endpoint serves and follows it by offset, and Client().logs has it."""
    from starlette.testclient import TestClient

    import workloads
    from dagwell.api.client import Client
    from dagwell.ui.app import create_app

    run = workloads.ml()
    client = Client(home)
    client.home.log_path(run.id, "load", 1).unlink(missing_ok=True)
    shared = AttemptLog(client.artifacts(), run.id, "load", 1)
    shared.append(0, b"first line\n")
    web = TestClient(create_app(client, bind_host="127.0.0.1"), base_url="http://127.0.0.1:8237")
    url = f"/runs/{run.id}/steps/load/attempts/1/log"
    assert web.get(url).json()["text"] == "first line\n"
    shared.append(11, b"second line\n")
    followed = web.get(url, params={"offset": 11}).json()
    assert followed["text"] == "second line\n" and followed["offset"] == 23
    assert "first line\nsecond line\n" in client.logs(run.id, "load")


@pytest.mark.kube
def test_an_orchestrator_whose_home_cannot_hold_logs_still_ends_its_attempts(home, kube, tmp_path):
    """The orchestrator's own copy of a pod's log cannot be written (its home's ``logs`` is
    a file): the attempt still ends, and its log is read from the artifact store."""
    import workloads
    from dagwell import Client, KubernetesOrchestrator

    cluster = kube(nodes={"node-a": "1400MB"})
    home.mkdir(parents=True, exist_ok=True)
    (home / "logs").write_text("not a directory")
    orchestrator = KubernetesOrchestrator(
        kubeconfig=cluster.kubeconfig, namespace=cluster.namespace, image="local",
        resync_interval=2, api_timeout=60,
    )  # fmt: skip
    run = workloads.detachable.with_options(orchestrator=orchestrator)(
        str(tmp_path / "ledger"), 0.5
    )
    assert run.status.value == "completed", run.summary()
    assert "b naps 0.5s\nb woke up\n" in Client().logs(run.id, "b")
