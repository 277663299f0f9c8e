# The checks of a public grader for a "custom materializer" task (a ZenML user's tests):
# `python run.py` in the project, then, in a fresh interpreter started from the project
# (cwd = project, the loader script kept elsewhere: tests/load_and_score.py), the artifact
# loads by name (`Client().get_artifact_version("churn_scorer").load()`) and scores a
# fixture; the grader also reads which materializer stored it (`str(av.materializer)`).
# ZenML finds the project's modules from its source root (the repository at the cwd);
# dagwell looks there too. Before: "The artifact was written by materializer
# materializers:ChurnScorerMaterializer, which this process has not defined", and a
# pickled value of a project class raised ModuleNotFoundError.
import json
import os
import subprocess
import sys
import tempfile
import textwrap

from dagwell.client import Client

PROJECT = {
    "scorer.py": '''
class ChurnScorer:
    def __init__(self, weight):
        self.weight = weight

    def score(self, rows):
        return [round(self.weight * r, 6) for r in rows]
''',
    "materializers.py": '''
import json
import os

from dagwell.enums import ArtifactType
from dagwell.materializers.base_materializer import BaseMaterializer

from scorer import ChurnScorer


class ChurnScorerMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (ChurnScorer,)
    ASSOCIATED_ARTIFACT_TYPE = ArtifactType.MODEL

    def load(self, data_type):
        with self.artifact_store.open(os.path.join(self.uri, "scorer.json"), "r") as f:
            return ChurnScorer(json.load(f)["weight"])

    def save(self, data):
        with self.artifact_store.open(os.path.join(self.uri, "scorer.json"), "w") as f:
            json.dump({"weight": data.weight}, f)
''',
    "run.py": '''
from typing import Annotated

from dagwell import pipeline, step

from materializers import ChurnScorerMaterializer
from scorer import ChurnScorer


@step(output_materializers=ChurnScorerMaterializer)
def train() -> Annotated[ChurnScorer, "churn_scorer"]:
    return ChurnScorer(0.5)


@step
def train_plain() -> Annotated[ChurnScorer, "churn_scorer_pickled"]:
    return ChurnScorer(0.25)


@step
def evaluate(scorer: ChurnScorer) -> Annotated[float, "flag_rate"]:
    return sum(scorer.score([1.0, 3.0])) / 2


@pipeline(name="churn_training")
def churn_training():
    evaluate(train())
    train_plain()


if __name__ == "__main__":
    churn_training()
''',
}
LOADER = '''
import json
import sys

from dagwell.client import Client

scorer = Client().get_artifact_version(sys.argv[1]).load()
print(json.dumps({"type": type(scorer).__name__, "scores": scorer.score([2.0, 4.0])}))
'''


def fresh(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        project, tests = os.path.join(tmp, "app"), os.path.join(tmp, "tests")
        os.makedirs(os.path.join(project, ".zen"))  # (the project's repository, as zenml init)
        os.makedirs(tests)
        for name, text in PROJECT.items():
            with open(os.path.join(project, name), "w") as f:
                f.write(textwrap.dedent(text))
        loader = os.path.join(tests, "load_and_score.py")
        with open(loader, "w") as f:
            f.write(textwrap.dedent(LOADER))

        proc = fresh([sys.executable, "run.py"], project)
        assert proc.returncode == 0, proc.stderr[-2000:]
        av = Client().get_artifact_version("churn_scorer")
        assert av.artifact.name == "churn_scorer"
        assert "cloudpickle" not in str(av.materializer)
        assert "ChurnScorerMaterializer" in str(av.materializer)

        for name in ("churn_scorer", "churn_scorer_pickled"):
            proc = fresh([sys.executable, loader, name], project)
            assert proc.returncode == 0, f"fresh-process load of {name} failed:\n{proc.stderr[-1500:]}"
            out = json.loads(proc.stdout.strip().splitlines()[-1])
            weight = 0.5 if name == "churn_scorer" else 0.25
            assert out == {"type": "ChurnScorer", "scores": [2.0 * weight, 4.0 * weight]}, out
