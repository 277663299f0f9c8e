# A grader that rebuilds a finished run's DAG from each step run's spec (ZenML 0.98's
# StepSpec.inputs: input name -> InputSpec(step_name, output_name), a list of them for a
# list of outputs passed as one input; parameters and external artifacts are not in it)
# and times each step (step_run.duration is a timedelta). Passes on ZenML 0.98.
from datetime import timedelta
from typing import Annotated, List, Tuple

from dagwell import ExternalArtifact, pipeline, step
from dagwell.client import Client

@step
def load() -> Tuple[Annotated[list, "features"], Annotated[list, "labels"]]:
    return [[1.0], [2.0]], [0, 1]

@step
def score(features: list, labels: list, scale: float = 1.0) -> float:
    return scale * len(features) / len(labels)

@step
def combine(scores: List[float], extra: int) -> float:
    return sum(scores) + extra

@pipeline(enable_cache=False)
def dag_pipeline():
    features, labels = load()
    a = score(features, labels, scale=2.0)
    b = score(features, labels, id="score_again")
    combine([a, b], extra=ExternalArtifact(value=1))

if __name__ == "__main__":
    dag_pipeline()
    run = Client().get_pipeline("dag_pipeline").last_run
    edges = set()
    for name, step_run in run.steps.items():
        for input_name, spec in step_run.spec.inputs.items():
            for one in spec if isinstance(spec, list) else [spec]:
                edges.add((one.step_name, one.output_name, name, input_name))
    assert edges == {
        ("load", "features", "score", "features"),
        ("load", "labels", "score", "labels"),
        ("load", "features", "score_again", "features"),
        ("load", "labels", "score_again", "labels"),
        ("score", "output", "combine", "scores"),
        ("score_again", "output", "combine", "scores"),
    }, sorted(edges)
    assert [s.step_name for s in run.steps["combine"].spec.inputs["scores"]] == [
        "score", "score_again"
    ]
    assert "extra" not in run.steps["combine"].spec.inputs
    assert run.steps["load"].spec.inputs == {}
    for step_run in run.steps.values():
        assert isinstance(step_run.duration, timedelta), type(step_run.duration)
        assert step_run.duration.total_seconds() >= 0
        assert step_run.duration == step_run.end_time - step_run.start_time
