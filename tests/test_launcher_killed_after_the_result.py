"""An attempt whose launcher is killed by someone else after it wrote its result.

The zygote that forked an attempt can be killed by something other than the step (a
shell, a process the step started) while the attempt is finishing: its result is written,
and it is flushing its output to exit. Its exit is then never reported. Before, every such
attempt was recorded ``lost`` ("dagwell's launcher process died while this attempt ran")
and run again from the infrastructure budget, although its result said how it ended: an
ok result with its outputs committed, or the step's own exception. That result is now the
truth, as it is for the attempts of an orchestrator that died (local_recovery).
"""

import pytest

from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus, StepStatus
from helpers import latest_run, run_script

SCRIPT = """
import os, subprocess, sys, time
from dagwell import StepRetryConfig, pipeline, step


class KillsTheLauncherWhenFlushed:
    '''stdout whose flush (the attempt's last act before it exits, its result written)
    has another process kill the attempt's launcher, then waits for the attempt's end.'''

    def __init__(self, real):
        self.real = real

    def write(self, text):
        return self.real.write(text)

    def flush(self):
        subprocess.run(["kill", "-KILL", str(os.getppid())], check=True)
        time.sleep(30)  # (its parent-death signal ends it first)


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0))
def finishes_as_its_launcher_dies(fail: bool) -> int:
    sys.stdout = KillsTheLauncherWhenFlushed(sys.stdout)
    if fail:
        raise ValueError("the step's own failure")
    return 7


@step(enable_cache=False)
def after(x: int) -> int:
    return x + 1


@pipeline(enable_cache=False)
def p(fail: bool) -> None:
    after(finishes_as_its_launcher_dies(fail))


try:
    print("ended", p(sys.argv[1] == "fail").status.value)
except Exception as error:
    print("ended", type(error).__name__)
"""


@pytest.mark.parametrize("how", ["ok", "fail"])
def test_a_result_written_before_the_launcher_was_killed_is_the_truth(tmp_path, cgroups, how):
    script = tmp_path / "launcher_dies.py"
    script.write_text(SCRIPT)
    done = run_script([str(script), how], tmp_path / "home")
    run = latest_run(tmp_path / "home")
    assert not run.orphaned, done.stdout + done.stderr[-3000:]
    (attempt,) = run.steps["finishes_as_its_launcher_dies"].attempts  # (no infra retry)
    if how == "ok":
        assert "ended completed" in done.stdout, done.stdout + done.stderr[-3000:]
        assert attempt.failure is None and run.status is RunStatus.COMPLETED
        assert run.steps["after"].output.load() == 8
    else:
        assert "ended RunFailedError" in done.stdout, done.stdout + done.stderr[-3000:]
        assert attempt.failure.kind is FailureKind.USER_ERROR, attempt.failure.message
        assert "the step's own failure" in attempt.failure.message
        assert run.steps["after"].status is StepStatus.SKIPPED
