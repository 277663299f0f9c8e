"""Pipelines end to end on the default local runtime (and the other start modes)."""

import textwrap
import time

import pytest

import workloads
from conftest import leftover_cgroups
from dagwell import Client, LocalOrchestrator, RunFailedError, StepRetryConfig, pipeline, step
from dagwell.core.errors import DefinitionError
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus, StepStatus
from helpers import run_script


@step
def wait() -> None: ...


@pipeline(enable_cache=False)
def p():
    for _ in range(10):
        wait()


def test_seed_example_runs_unchanged(home):
    run = p()
    assert run.status is RunStatus.COMPLETED
    assert list(run.steps) == ["wait"] + [f"wait_{i}" for i in range(2, 11)]
    assert all(s.status is StepStatus.COMPLETED for s in run.steps.values())
    assert all(len(s.attempts) == 1 for s in run.steps.values())
    again = Client().get_run(run.id)
    assert again.status is RunStatus.COMPLETED and again.summary().startswith("completed")


@pytest.mark.parametrize(
    "orchestrator",
    [
        LocalOrchestrator(),
        LocalOrchestrator(start_method="spawn"),
        LocalOrchestrator(isolation="inprocess"),
        LocalOrchestrator(cgroups="none"),
    ],
    ids=["fork", "spawn", "inprocess", "watchdog"],
)
def test_outputs_flow_between_steps(home, orchestrator):
    run = workloads.ml.with_options(orchestrator=orchestrator)(n=4, lr=2.0)
    assert run.status is RunStatus.COMPLETED
    assert run.steps["load"].output.load() == [0, 1, 2, 3]
    assert run.steps["train"].outputs["model"][0].load() == 12.0
    assert run.steps["evaluate"].output.load() == {"score": 3.0}
    assert run.steps["train"].upstream == ["load"]
    assert run.params == {"n": 4, "lr": 2.0}
    assert "loading 4 numbers" in Client().logs(run.id, "load")
    assert leftover_cgroups() == []


def test_cache_reuses_outputs_until_something_changes(home):
    first = workloads.ml(n=3)
    assert all(s.status is StepStatus.COMPLETED for s in first.steps.values())
    second = workloads.ml(n=3)
    assert all(s.status is StepStatus.CACHED for s in second.steps.values())
    assert second.steps["train"].cached_from == first.id
    assert second.steps["evaluate"].output.load() == first.steps["evaluate"].output.load()
    third = workloads.ml(n=3, lr=1.0)  # a parameter of train changed: train and below rerun
    assert third.steps["load"].status is StepStatus.CACHED
    assert third.steps["train"].status is StepStatus.COMPLETED
    assert third.steps["evaluate"].status is StepStatus.COMPLETED
    no_cache = workloads.ml.with_options(enable_cache=False)(n=3)
    assert all(s.status is StepStatus.COMPLETED for s in no_cache.steps.values())


def test_failing_step_records_exception_and_traceback(home):
    with pytest.raises(RunFailedError) as info:
        workloads.failing()
    run = info.value.run
    assert run.status is RunStatus.FAILED
    failed = run.steps["explode"]
    attempt = failed.attempts[-1]
    assert failed.status is StepStatus.FAILED
    assert attempt.failure.kind is FailureKind.USER_ERROR
    assert attempt.failure.message.startswith("ValueError: boom")
    assert "raise ValueError(message)" in attempt.failure.traceback
    assert run.steps["after_failure"].status is StepStatus.SKIPPED
    assert "Step 'explode' failed" in str(info.value)
    assert "about to fail" in Client().logs(run.id, "explode")


def test_the_orchestrator_survives_steps_that_crash_exit_or_flood(home):
    with pytest.raises(RunFailedError) as info:
        workloads.mayhem()
    steps = info.value.run.steps
    kinds = {
        name: s.attempts[-1].failure.kind if s.attempts[-1].failure else None
        for name, s in steps.items()
    }
    assert kinds["die_exit"] is FailureKind.USER_ERROR
    assert steps["die_exit"].attempts[-1].exit_code == 3
    assert kinds["die_segfault"] is FailureKind.USER_ERROR
    assert "SIGSEGV" in steps["die_segfault"].attempts[-1].failure.message
    assert kinds["die_kill"] is FailureKind.LOST  # SIGKILL with no OOM evidence
    assert len(steps["die_kill"].attempts) == 3  # lost: retried from the infra budget
    assert kinds["die_flood"] is None and steps["die_flood"].status is StepStatus.COMPLETED
    assert kinds["die_sysexit"] is FailureKind.USER_ERROR
    assert leftover_cgroups() == []


@pytest.mark.parametrize("how", ["SIGHUP", "SIGTERM", "SIGABRT"])
def test_a_step_that_signals_itself_dies_by_that_signal_and_says_so(home, how):
    """An attempt forked from the orchestrator inherited its Python handlers: a step's own
    SIGHUP raised dagwell's stop in it, recorded 'user_error: SignalStop: stopped by
    SIGHUP' as if dagwell had stopped the step. Now it dies by the signal, named."""
    import os
    import signal

    @step(enable_cache=False, retry=StepRetryConfig(max_retries=0))
    def signals_itself(name: str) -> None:
        os.kill(os.getpid(), getattr(signal, name))
        time.sleep(30)

    @pipeline(enable_cache=False, infra_retries=0)
    def p() -> None:
        signals_itself(how)

    with pytest.raises(RunFailedError) as info:
        p()
    (attempt,) = info.value.run.steps["signals_itself"].attempts
    assert attempt.signal == getattr(signal, how), attempt.failure
    assert how in attempt.failure.message and "SignalStop" not in attempt.failure.message
    assert info.value.run.steps["signals_itself"].status is StepStatus.FAILED


def test_hooks_fire_in_the_orchestrator(home):
    seen = []

    @step(
        on_failure=lambda event: seen.append(("fail", event.step, event.failure.kind)),
        on_success=lambda: seen.append(("ok",)),
    )
    def flaky(x: int) -> int:
        if x:
            raise RuntimeError("no")
        return x

    def broken_hook():
        raise RuntimeError("hooks never change the outcome")

    @pipeline(enable_cache=False, on_failure="continue", on_success=broken_hook)
    def hooked():
        flaky(0)
        flaky(1)

    with pytest.raises(RunFailedError):
        hooked()
    assert ("ok",) in seen
    assert ("fail", "flaky_2", FailureKind.USER_ERROR) in seen


CRASHING_SCRIPT = textwrap.dedent(
    """
    import faulthandler, os, signal, sys
    from dagwell import pipeline, step

    faulthandler.enable(file=os.fdopen(os.dup(2), "w"))  # on a copy of stderr, as pytest does

    @step(enable_cache=False)
    def crash() -> None:
        print("about to crash", flush=True)
        os.kill(os.getpid(), signal.SIGSEGV)

    @pipeline(enable_cache=False)
    def crashing() -> None:
        crash()

    if __name__ == "__main__":
        try:
            crashing()
        except Exception:
            pass
    """
)


def test_a_crashing_steps_python_traceback_goes_to_its_own_log(tmp_path):
    """With faulthandler on a copy of stderr (pytest's, or a user's own file), a step that
    crashed in C printed its Python traceback to the orchestrator's stderr, where nobody
    reading the step's log (`dagwell logs`) would see it: faulthandler keeps writing to the
    descriptor it was enabled on, which the attempt inherited."""
    script = tmp_path / "crashing.py"
    script.write_text(CRASHING_SCRIPT)
    # (DAGWELL_STEP_LOGS off: the echo would copy the log to stderr)
    done = run_script([str(script)], tmp_path / "home", cwd=tmp_path, DAGWELL_STEP_LOGS="off")
    assert done.returncode == 0, done.stderr
    assert "Fatal Python error" not in done.stderr
    run = Client(tmp_path / "home").list_runs(limit=1)[0]
    log = Client(tmp_path / "home").logs(run.id, "crash")
    assert "about to crash" in log
    assert "Fatal Python error: Segmentation fault" in log
    assert "in crash" in log  # the step's own frame


@step
def _numbered(i: int) -> int:
    return i * 10


@step
def _gathered(values: list[int], label: str = "sum") -> str:
    return f"{label}={values}"


@pipeline
def _fan_in(n: int = 3) -> None:
    _gathered([_numbered(i) for i in range(n)], label="all")


def test_a_list_of_step_outputs_is_one_input_in_order_and_a_cache_hit_again(home):
    """Before: DefinitionError "holds step outputs inside a list" (ZenML 0.98 takes a list
    of step outputs as one input, loaded as a list)."""
    run = _fan_in()
    assert run.steps["_gathered"].output.load() == "all=[0, 10, 20]"
    assert sorted(run.steps["_gathered"].upstream) == ["_numbered", "_numbered_2", "_numbered_3"]
    again = _fan_in()
    assert again.steps["_gathered"].cached_from == run.id
    with pytest.raises(DefinitionError, match="holds step outputs inside a list"):

        @pipeline
        def mixed() -> None:
            _gathered([_numbered(1), 5])

        mixed()


@step
def times_ten(x: int) -> int:
    return x * 10


@step
def plus_one(y: int) -> int:
    return y + 1


def test_a_step_cached_from_another_place_in_a_pipeline_shows_that_steps_outputs(home):
    """times_ten(x=2) is ``times_ten_2`` in the first pipeline and ``times_ten`` in the
    second: its cache hit there showed (and named as its original) the first run's
    ``times_ten``, whose value is 10, where the step reused 20."""

    @pipeline
    def two_calls() -> None:
        times_ten(x=1)
        times_ten(x=2)

    @pipeline
    def one_call() -> None:
        plus_one(times_ten(x=2))

    first = two_calls()
    second = one_call()
    cached = second.steps["times_ten"]
    assert cached.status is StepStatus.CACHED and cached.cached_from == first.id
    assert cached.original_step_run_id == f"{first.id}/times_ten_2"
    assert cached.output.load() == 20
    assert cached.output.producer_step_run_id == f"{first.id}/times_ten_2"
    assert second.steps["plus_one"].inputs["y"][0].load() == 20
    assert second.steps["plus_one"].output.load() == 21
    again = Client().get_pipeline_run(second.id).steps["times_ten"]
    assert again.output.load() == 20 and again.cached_step == "times_ten_2"
