"""A project in ZenML's starter layout runs end to end with only s/zenml/dagwell/ (issue 15).

tests/zenml_starter/ is ZenML 0.98 code in the template-starter layout: feature engineering,
training (which calls the feature pipeline) and inference pipelines, YAML configs with a
Model, named artifacts between pipelines, a run.py with click options. It is copied, its
`zenml` imports rewritten to `dagwell`, and run as a user would run it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

STARTER = Path(__file__).parent / "zenml_starter"


def _convert(dest: Path) -> None:
    shutil.copytree(STARTER, dest)
    for path in dest.rglob("*.py"):
        text = path.read_text()
        path.write_text(re.sub(r"\bzenml\b", "dagwell", text))


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DAGWELL_HOME": str(project / ".dagwell"), "DAGWELL_PROGRESS": "0"}
    env.pop("DAGWELL_STORE_URL", None)
    env.pop("DAGWELL_ARTIFACT_STORE", None)
    done = subprocess.run(
        [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-4000:]}"
    return done


def test_the_starter_project_runs_end_to_end(tmp_path):
    project = tmp_path / "starter"
    _convert(project)
    assert "zenml" not in (project / "run.py").read_text()
    _run(project, "run.py", "--feature-pipeline", "--training-pipeline", "--inference-pipeline")
    _run(
        project,
        "run.py",
        "--training-pipeline",
        "--train-dataset-version-name",
        "1",
        "--test-dataset-version-name",
        "1",
    )
    done = _run(project, "check.py")
    assert "starter project checked" in done.stdout
