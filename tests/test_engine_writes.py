"""The rows each scheduler change becomes (engine.writes): pure, so checked directly."""

from __future__ import annotations

from dagwell.core.failures import Failure, FailureKind
from dagwell.core.manifest import ArtifactRef
from dagwell.core.scheduler import AttemptEnded, StepChange
from dagwell.core.statuses import AttemptStatus, StepStatus
from dagwell.engine import writes
from dagwell.store import PutCache, RecordArtifacts, UpdateStep

REF = ArtifactRef("ab" * 32, "json", "int", 1)


def test_a_completed_step_records_its_artifacts_its_cache_entry_and_then_itself():
    change = StepChange("s", StepStatus.RUNNING, StepStatus.COMPLETED, attempt=1, at=5.0)
    rows = writes.step_changed("r", change, 6.0, {"output": REF}, "key")
    assert [type(r) for r in rows] == [RecordArtifacts, PutCache, UpdateStep]
    update = rows[-1]
    assert isinstance(update, UpdateStep)
    assert update.values["ended_at"] == 5.0 and update.values["cache_key"] == "key"
    assert update.values["outputs"] == {"output": REF.to_json()}


def test_a_retrying_step_is_one_update_without_an_end():
    change = StepChange("s", StepStatus.RUNNING, StepStatus.RETRYING, note="again", attempt=1)
    (update,) = writes.step_changed("r", change, 6.0, None, None)
    assert isinstance(update, UpdateStep)
    assert update.values == {"status": "retrying", "note": "again"}


def test_an_attempts_end_without_evidence_says_why_it_failed():
    failure = Failure(FailureKind.OOM_KILLED, "out of memory", exit_code=137, signal=9)
    change = AttemptEnded("s", 2, AttemptStatus.FAILED, failure, "step", 1.5)
    row = writes.attempt_ended("r", change, None, 7.0)
    assert (row.step_id, row.number) == ("s", 2)
    assert row.values["ended_at"] == 7.0
    assert row.values["failure_kind"] == "oom_killed"
    assert (row.values["exit_code"], row.values["signal"]) == (137, 9)
