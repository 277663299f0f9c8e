# The checks of a public grader for a "modernise an old ZenML API" task (a ZenML user's
# tests: they read runs back with the Client), run against a training pipeline in the shape
# the task asks for. Before each graded run the grader expires every recorded step run as a
# cache candidate, "documented ZenML API": Client().update_step_run(step.id,
# cache_expires_at=datetime.now(timezone.utc)), so the score must come from a real
# execution; then it checks the step graph, output names and recorded parameters. Before:
# 'Client' object has no attribute 'update_step_run'.
import csv
import os
import tempfile
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Tuple

from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.enums import ExecutionStatus

PIPELINE = "training_pipeline"
STEPS = {"load_data", "split", "train", "evaluate"}
OUTPUTS = {
    "load_data": {"features", "labels"},
    "split": {"x_train", "x_test", "y_train", "y_test"},
    "evaluate": {"score"},
}
PARAMS = {"split": {"test_size": 0.25, "seed": 0}, "train": {"C": 0.5}}


@step
def load_data(path: str) -> Tuple[Annotated[list, "features"], Annotated[list, "labels"]]:
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [[float(r["a"]), float(r["b"])] for r in rows], [int(r["y"]) for r in rows]


@step
def split(features: list, labels: list, test_size: float, seed: int) -> Tuple[
    Annotated[list, "x_train"],
    Annotated[list, "x_test"],
    Annotated[list, "y_train"],
    Annotated[list, "y_test"],
]:
    x_train, x_test, y_train, y_test = train_test_split(
        features, labels, test_size=test_size, random_state=seed
    )
    return x_train, x_test, y_train, y_test


@step
def train(x_train: list, y_train: list, C: float) -> LogisticRegression:
    return LogisticRegression(C=C).fit(x_train, y_train)


@step
def evaluate(model: LogisticRegression, x_test: list, y_test: list) -> Annotated[float, "score"]:
    score = float(model.score(x_test, y_test))
    print(f"score: {score}")
    return score


@pipeline(name=PIPELINE)
def training_pipeline(path: str):
    features, labels = load_data(path)
    x_train, x_test, y_train, y_test = split(features, labels, test_size=0.25, seed=0)
    evaluate(train(x_train, y_train, C=0.5), x_test, y_test)


def expire_all_step_runs() -> None:
    c = Client()
    for run in c.list_pipeline_runs(size=500).items:
        for step in run.steps.values():
            c.update_step_run(step.id, cache_expires_at=datetime.now(timezone.utc))


def run_entrypoint(path: str) -> Any:
    expire_all_step_runs()
    seen = {r.id for r in Client().list_pipeline_runs(size=500).items}
    training_pipeline(path=path)
    new = [
        r
        for r in Client().list_pipeline_runs(sort_by="desc:created", size=5).items
        if r.id not in seen
    ]
    assert len(new) == 1, f"expected exactly one new pipeline run, found {len(new)}"
    return new[0]


def flat_values(obj: Any) -> list:
    if isinstance(obj, dict):
        return [v for x in obj.values() for v in flat_values(x)]
    if isinstance(obj, list):
        return [v for x in obj for v in flat_values(x)]
    return [obj]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "train.csv")
        with open(path, "w") as f:
            f.write("a,b,y\n" + "".join(f"{i},{i % 3},{int(i > 9)}\n" for i in range(20)))

        training_pipeline(path=path)  # the agent's own earlier run
        again = training_pipeline(path=path)
        assert all(s.status == ExecutionStatus.CACHED for s in again.steps.values())

        run = run_entrypoint(path)
        assert run.status == ExecutionStatus.COMPLETED
        assert run.pipeline.name == PIPELINE
        assert set(run.steps) == STEPS, f"steps were {set(run.steps)}"
        # every candidate expired: a real execution, no step served from the cache
        assert all(s.status == ExecutionStatus.COMPLETED for s in run.steps.values())
        for step_name, names in OUTPUTS.items():
            assert set(run.steps[step_name].outputs) == names
        assert len(run.steps["train"].outputs) == 1
        for step_name, wanted in PARAMS.items():
            recorded = flat_values(run.steps[step_name].config.parameters)
            for value in wanted.values():
                assert value in recorded
        assert float(run.steps["evaluate"].outputs["score"][0].load()) == 1.0

        # Not expired, the graded run is the cache of the next one.
        following = training_pipeline(path=path)
        assert all(s.status == ExecutionStatus.CACHED for s in following.steps.values())
        assert {p.name for p in Client().list_pipelines(size=50).items} == {PIPELINE}
