# The checks of a public grader for a "source root repair" task (a ZenML user's tests), on
# a project in the shape it describes: analytics/ holds the ZenML repository (.zen), shared
# steps in analytics/common, and two entrypoints run from their own folders
# (`python pipelines/daily.py` in analytics, `python run.py` in analytics/jobs/backfill).
# "A step's recorded source (step.spec.source.import_path) is relative to that root", and
# the grader imports each one again in a fresh process from the project root with
# zenml.utils.source_utils.load; a stray repository in jobs/backfill records
# `run.load_history` instead. Before: 'StepRun' object has no attribute 'spec', and
# dagwell.utils.source_utils did not exist.
import os
import subprocess
import sys
import tempfile
import textwrap

from dagwell.client import Client
from dagwell.enums import ExecutionStatus

FEATURES = '''
from dagwell import step


@step
def build_features(rows: list) -> list:
    return [r * 2 for r in rows]


@step
def summarise(features: list) -> dict:
    return {"rows": len(features), "total": sum(features)}
'''
DAILY = '''
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # (the project's root)

from dagwell import pipeline, step

from common.features import build_features, summarise


@step
def load() -> list:
    return [1, 2, 3]


@pipeline(name="daily_analytics", enable_cache=False)
def daily():
    summarise(build_features(load()))


if __name__ == "__main__":
    daily()
'''
BACKFILL = '''
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dagwell import pipeline, step

from common.features import build_features, summarise


@step
def load_history() -> list:
    return [4, 5]


@pipeline(name="backfill_analytics", enable_cache=False)
def backfill():
    summarise(build_features(load_history()))


if __name__ == "__main__":
    backfill()
'''
LOADER = """
from dagwell.utils.source_utils import load
import sys
load(sys.argv[1])
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))


def run_entrypoint(cwd, argv):
    seen = {r.id for r in Client().list_pipeline_runs(size=500).items}
    proc = subprocess.run([sys.executable, *argv], cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    new = [r for r in Client().list_pipeline_runs(size=500).items if r.id not in seen]
    assert len(new) == 1
    return Client().get_pipeline_run(new[0].id)


def loads_from(root, source):
    cmd = [sys.executable, "-c", textwrap.dedent(LOADER), source]
    return subprocess.run(cmd, cwd=root, capture_output=True, text=True).returncode == 0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        analytics = os.path.join(tmp, "analytics")
        os.makedirs(os.path.join(analytics, ".zen"))  # (the project's repository)
        write(os.path.join(analytics, "common", "__init__.py"), "")
        write(os.path.join(analytics, "common", "features.py"), FEATURES)
        write(os.path.join(analytics, "pipelines", "daily.py"), DAILY)
        backfill_dir = os.path.join(analytics, "jobs", "backfill")
        write(os.path.join(backfill_dir, "run.py"), BACKFILL)

        runs = {
            "daily_analytics": run_entrypoint(analytics, ["pipelines/daily.py"]),
            "backfill_analytics": run_entrypoint(backfill_dir, ["run.py"]),
        }
        for name, r in runs.items():
            assert r.status == ExecutionStatus.COMPLETED and r.pipeline.name == name
            assert r.steps["summarise"].output.load()["rows"] in (2, 3)
            for step_name, st in r.steps.items():
                src = st.spec.source.import_path
                assert loads_from(analytics, src), f"{name}.{step_name}: {src!r} does not import"
        daily = runs["daily_analytics"]
        assert daily.steps["load"].spec.source.import_path == "pipelines.daily.load"
        assert daily.steps["build_features"].spec.source.import_path == "common.features.build_features"
        assert runs["backfill_analytics"].steps["load_history"].spec.source.import_path == (
            "jobs.backfill.run.load_history"
        )
        assert daily.steps["summarise"].spec.upstream_steps == ["build_features"]

        # the fault the task repairs: a stray repository in jobs/backfill is its source root
        os.makedirs(os.path.join(backfill_dir, ".zen"))
        stray = run_entrypoint(backfill_dir, ["run.py"])
        assert stray.steps["load_history"].spec.source.import_path == "run.load_history"
        assert not loads_from(analytics, "run.load_history")
