"""Alerts (issue 13): a webhook and a Slack-compatible alerter, against a real local HTTP
server in its own process: each event delivered once, retried on 500, never delaying a run."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import workloads
from dagwell import LocalOrchestrator, ResourceSettings, pipeline, step
from dagwell.alerts import SlackAlerter, WebhookAlerter
from dagwell.core.errors import DefinitionError
from dagwell.engine.alert_delivery import Delivery, deliver
from helpers import outcome, wait_for

HERE = Path(__file__).parent


class Receiver:
    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.log = tmp_path / f"received-{time.monotonic_ns()}.jsonl"
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "alert_receiver.py"), str(self.log), *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = f"http://127.0.0.1:{self.proc.stdout.readline().strip()}/hook"

    def received(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def delivered(self) -> list[dict]:
        return [r["body"] for r in self.received() if r["status"] == 200]

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def receiver(tmp_path):
    made: list[Receiver] = []

    def make(*args: str) -> Receiver:
        made.append(Receiver(tmp_path, *args))
        return made[-1]

    yield make
    for r in made:
        r.stop()


@step(enable_cache=False)
def sit(seconds: float) -> None:
    time.sleep(seconds)


def local() -> LocalOrchestrator:
    return LocalOrchestrator(memory="1400MB")


@pytest.mark.cgroups
def test_an_oom_kill_and_the_failed_run_are_each_delivered_once(home, cgroups, receiver):
    hook = receiver()
    greedy = workloads.greedy.with_options(resources=ResourceSettings(memory="150MB"))

    @pipeline(enable_cache=False, alerters=[WebhookAlerter(hook.url)])
    def killed():
        greedy(300)

    run = outcome(killed.with_options(orchestrator=local()))
    assert run.status.value == "failed"
    wait_for(lambda: len(hook.delivered()) >= 2, timeout=20, what="two alerts")
    time.sleep(0.5)  # nothing more arrives
    kinds = sorted(b["kind"] for b in hook.delivered())
    assert kinds == ["oom_killed", "run_failed"], hook.received()
    oom = next(b for b in hook.delivered() if b["kind"] == "oom_killed")
    assert oom["run_id"] == run.id and oom["step"] == "greedy" and oom["attempt"] == 1
    assert oom["failure_kind"] == "oom_killed"


def test_a_500_answer_is_retried_until_delivered(home, receiver):
    hook = receiver("--fail", "2")
    alerter = WebhookAlerter(hook.url, backoff=0.1)

    @pipeline(enable_cache=False, alerters=[alerter])
    def failing():
        workloads.explode("boom")

    run = outcome(failing.with_options(orchestrator=local()))
    assert run.status.value == "failed"
    wait_for(hook.delivered, timeout=20, what="the alert, on its third try")
    statuses = [r["status"] for r in hook.received()]
    assert statuses == [500, 500, 200]
    assert hook.delivered()[0]["kind"] == "run_failed"


def test_an_orchestrator_setting_alerts_and_is_never_recorded(home, receiver):
    hook = receiver()
    orchestrator = LocalOrchestrator(memory="1400MB", alerters=[SlackAlerter(hook.url)])
    run = outcome(workloads.failing.with_options(orchestrator=orchestrator))
    wait_for(hook.delivered, timeout=20, what="the run_failed alert")
    assert hook.delivered()[0]["text"].startswith(":x: *dagwell run failed*")
    assert "alerters" not in run.orchestrator  # the webhook URL (a secret) is not stored
    assert hook.url not in json.dumps(run.orchestrator)


def test_a_hanging_receiver_never_delays_the_run(home, receiver):
    hook = receiver("--delay", "30")

    @pipeline(enable_cache=False, alerters=[WebhookAlerter(hook.url, deadline=5)])
    def failing():
        workloads.explode("boom")

    begin = time.monotonic()
    run = outcome(failing.with_options(orchestrator=local()))
    took = time.monotonic() - begin
    assert run.status.value == "failed"
    assert took < 5, f"the run took {took:.1f}s with a receiver that answers after 30 s"


def test_a_long_run_is_reported_once(home, receiver):
    hook = receiver()

    @pipeline(enable_cache=False, alerters=[WebhookAlerter(hook.url, long_running_minutes=0.02)])
    def slow():
        sit(2.5)

    slow.with_options(orchestrator=local())()
    wait_for(hook.delivered, timeout=20, what="the long_running alert")
    time.sleep(0.3)
    bodies = hook.delivered()
    assert [b["kind"] for b in bodies] == ["long_running"]
    assert "running for" in bodies[0]["message"]


def test_slack_alerter_as_a_hook_and_from_the_environment(home, receiver, monkeypatch):
    slack, machine = receiver(), receiver()
    monkeypatch.setenv("DAGWELL_ALERT_WEBHOOK_URL", machine.url)
    explode = workloads.explode.with_options(on_failure=SlackAlerter(slack.url))

    @pipeline(enable_cache=False)
    def failing():
        explode("the <reason>")

    outcome(failing.with_options(orchestrator=local()))
    wait_for(lambda: slack.delivered() and machine.delivered(), timeout=20, what="both alerts")
    time.sleep(0.3)
    (message,) = slack.delivered()
    assert set(message) == {"text", "blocks"}
    assert message["text"].startswith(":warning: *dagwell step failed*")
    assert "explode" in message["text"]
    assert [b["kind"] for b in machine.delivered()] == ["run_failed"]


def test_a_refused_connection_is_retried_with_backoff_then_given_up():
    slept: list[float] = []
    job = Delivery("http://127.0.0.1:1/hook", {}, attempts=3, backoff=0.2)  # nobody on port 1
    assert not deliver(job, slept.append)
    assert slept == [0.2, 0.4]


def test_alerters_are_checked_when_defined():
    with pytest.raises(DefinitionError, match="http"):
        WebhookAlerter("hooks.example.com/x")
    with pytest.raises(DefinitionError, match="known alerts"):
        WebhookAlerter("http://h/x", on=["run_lost"])
    with pytest.raises(DefinitionError, match="alerters="):

        @pipeline(alerters=[print])
        def p():
            sit(0)


def test_a_process_about_to_end_can_wait_for_its_deliveries(receiver):
    from dagwell.engine.alert_delivery import send, wait_for_deliveries

    hook = receiver("--delay", "1")
    send(Delivery(hook.url, {"kind": "run_failed"}))
    assert not hook.received()
    assert wait_for_deliveries(timeout=20) == 0
    assert hook.delivered() == [{"kind": "run_failed"}]


def test_alerters_of_a_detached_run_are_said_not_to_travel(home, monkeypatch):
    from dagwell import KubernetesOrchestrator

    monkeypatch.setenv("DAGWELL_STORE_URL", "postgresql://db.example/dagwell")
    submitted = []
    monkeypatch.setattr(
        "dagwell.engine.detached.submit", lambda traced, o: submitted.append(traced) or "run"
    )
    far = KubernetesOrchestrator(image="local", synchronous=False, artifact_store="s3://b/x")

    @pipeline(alerters=[WebhookAlerter("http://127.0.0.1:9/x")], orchestrator=far)
    def p():
        sit(0)

    with pytest.warns(UserWarning, match="DAGWELL_ALERT_"):
        assert p() == "run"
    assert len(submitted) == 1
