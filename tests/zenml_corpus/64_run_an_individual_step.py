# ZenML's docs, "Run an individual step" (how-to/pipeline-development/build-pipelines/
# run-an-individual-step): calling a step outside a pipeline makes ZenML "internally create
# a pipeline with just your step and run it", returning its outputs; `.entrypoint(...)`, or
# ZENML_RUN_SINGLE_STEPS_WITHOUT_STACK=true, calls the bare function instead (ZenML 0.98's
# BaseStep.__call__ and steps/utils.py run_as_single_step_pipeline). The step here is the
# docs' svc_trainer without its step operator, plus what only a run gives: its step context
# and its outputs recorded as artifacts. Before: the call only ran the function, so
# get_step_context() raised "only available inside a step function" and no run or artifact
# was recorded.
import os
from typing import Tuple

import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.svm import SVC
from typing_extensions import Annotated

from dagwell import get_step_context, step
from dagwell.client import Client


@step
def svc_trainer(
    X_train: pd.DataFrame,
    y_train: pd.Series,
    gamma: float = 0.001,
) -> Tuple[
    Annotated[ClassifierMixin, "trained_model"],
    Annotated[float, "training_acc"],
]:
    """Train a sklearn SVC classifier."""
    print(f"Running in run {get_step_context().pipeline_run.name}")
    model = SVC(gamma=gamma)
    model.fit(X_train.to_numpy(), y_train.to_numpy())
    train_acc = model.score(X_train.to_numpy(), y_train.to_numpy())
    return model, train_acc


@step
def nothing_back(message: str) -> None:
    print(message)


@step
def one_back(values: list) -> int:
    return sum(values)


if __name__ == "__main__":
    X_train = pd.DataFrame({"a": [0.0, 1.0, 0.0, 1.0], "b": [1.0, 0.0, 1.0, 0.0]})
    y_train = pd.Series([0, 1, 0, 1])

    # Call the step directly: a pipeline with just this step runs on the active stack.
    model, train_acc = svc_trainer(X_train=X_train, y_train=y_train, gamma=1.0)
    assert train_acc == 1.0
    assert list(model.predict(X_train.to_numpy())) == [0, 1, 0, 1]

    client = Client()
    run = client.get_pipeline("svc_trainer").last_run
    assert run.status == "completed"
    assert list(run.steps) == ["svc_trainer"]
    assert run.steps["svc_trainer"].config.parameters["gamma"] == 1.0
    assert client.get_artifact_version("training_acc").load() == 1.0
    assert isinstance(client.get_artifact_version("trained_model").load(), SVC)

    # One output comes back as itself, none as None; each call is a run of its own.
    assert one_back([1, 2, 3]) == 6
    assert nothing_back("hello") is None
    assert client.get_pipeline("one_back").last_run.steps["one_back"].output.load() == 6
    runs_before = client.list_pipeline_runs().total
    assert runs_before == 3

    # Run the underlying step function directly, without ZenML getting involved.
    try:
        svc_trainer.entrypoint(X_train=X_train, y_train=y_train)
    except RuntimeError:  # (no step context outside a run)
        pass
    else:
        raise AssertionError("the bare function had a step context")
    assert one_back.entrypoint([4, 5]) == 9
    os.environ["ZENML_RUN_SINGLE_STEPS_WITHOUT_STACK"] = "true"
    try:
        assert one_back([4, 5]) == 9
    finally:
        del os.environ["ZENML_RUN_SINGLE_STEPS_WITHOUT_STACK"]
    assert client.list_pipeline_runs().total == runs_before
