# The checks of a public grader for a "script to ZenML pipeline" task (a ZenML user's
# tests: they read the recorded run back with the Client): outputs found by
# `v.artifact.name`, the accuracy's `data_type.import_path == "builtins.float"`, the
# evaluation step taking the model artifact (`inputs` ids), `list_pipeline_runs(size=,
# sort_by="desc:created").items`, `list_pipelines(size=50).items`; run here against a
# credit-scoring pipeline in the shape the task asks for, plus the Source fields ZenML's
# data_type and materializer carry. Before: 'str' object has no attribute 'import_path'.
from typing import Annotated, Any, Tuple

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.config.source import SourceType
from dagwell.enums import ExecutionStatus

PIPELINE = "credit_training"


@step
def load_data(seed: int) -> Annotated[pd.DataFrame, "credit"]:
    rng = np.random.default_rng(seed)
    income = rng.normal(50, 10, 200)
    debt = rng.normal(20, 5, 200)
    return pd.DataFrame({"income": income, "debt": debt, "default": (debt * 2 > income)})


@step
def split(df: pd.DataFrame) -> Tuple[
    Annotated[pd.DataFrame, "X_train"],
    Annotated[pd.DataFrame, "X_test"],
    Annotated[pd.Series, "y_train"],
    Annotated[pd.Series, "y_test"],
]:
    train, test = df.iloc[:150], df.iloc[150:]
    features = ["income", "debt"]
    return train[features], test[features], train["default"], test["default"]


@step
def train(X_train: pd.DataFrame, y_train: pd.Series) -> Annotated[LogisticRegression, "model"]:
    return LogisticRegression().fit(X_train, y_train)


@step
def evaluate(
    model: LogisticRegression, X_test: pd.DataFrame, y_test: pd.Series
) -> Annotated[float, "accuracy"]:
    return float(model.score(X_test, y_test))


@pipeline(name=PIPELINE, enable_cache=False)
def credit_training(seed: int = 0):
    X_train, X_test, y_train, y_test = split(load_data(seed))
    evaluate(train(X_train, y_train), X_test, y_test)


def run_entrypoint(seed: int) -> Any:
    seen = {r.id for r in Client().list_pipeline_runs(size=500).items}
    credit_training(seed=seed)
    new = [
        r
        for r in Client().list_pipeline_runs(sort_by="desc:created", size=5).items
        if r.id not in seen
    ]
    assert len(new) == 1, f"expected exactly one new run, found {len(new)}"
    return new[0]


def outputs_named(run: Any, name: str) -> list:
    return [
        (step_name, v)
        for step_name, st in run.steps.items()
        for vs in st.outputs.values()
        for v in vs
        if v.artifact.name == name
    ]


if __name__ == "__main__":
    runs = {"visible": run_entrypoint(0), "hidden": run_entrypoint(1)}

    for r in runs.values():  # test_runs_completed
        assert r.status == ExecutionStatus.COMPLETED
        assert r.pipeline.name == PIPELINE, f"pipeline is {r.pipeline.name}"
        assert len(r.steps) >= 3, f"only {len(r.steps)} steps: {list(r.steps)}"

    for label, r in runs.items():  # test_model_and_accuracy_are_tracked_artifacts
        models, accs = outputs_named(r, "model"), outputs_named(r, "accuracy")
        assert len(models) == 1 and len(accs) == 1
        model = models[0][1].load()
        assert hasattr(model, "predict") and type(model).__module__.startswith("sklearn")
        assert accs[0][1].data_type.import_path == "builtins.float", (
            f"{label}: accuracy artifact type is {accs[0][1].data_type.import_path}"
        )

    r = runs["hidden"]  # test_steps_are_separate_and_wired
    ((model_step, model_av),) = outputs_named(r, "model")
    ((acc_step, _),) = outputs_named(r, "accuracy")
    assert model_step != acc_step
    eval_inputs = {v.id for vs in r.steps[acc_step].inputs.values() for v in vs}
    assert model_av.id in eval_inputs
    produced_by_others = {
        v.id
        for name, st in r.steps.items()
        if name != model_step
        for vs in st.outputs.values()
        for v in vs
    }
    train_inputs = {v.id for vs in r.steps[model_step].inputs.values() for v in vs}
    assert train_inputs & produced_by_others

    assert {p.name for p in Client().list_pipelines(size=50).items} == {PIPELINE}

    # The rest of ZenML's Source, as data_type and materializer carry it.
    ((_, accuracy),) = outputs_named(r, "accuracy")
    assert (accuracy.data_type.module, accuracy.data_type.attribute) == ("builtins", "float")
    assert accuracy.data_type.type == SourceType.BUILTIN
    assert accuracy.materializer.attribute == "BuiltInMaterializer"
    assert accuracy.materializer.type == SourceType.INTERNAL and accuracy.materializer.is_internal
    assert model_av.materializer.attribute == "SklearnMaterializer"
    assert model_av.data_type.type == SourceType.DISTRIBUTION_PACKAGE
    ((_, frame),) = outputs_named(r, "X_train")
    assert frame.data_type.import_path == "pandas.DataFrame"
    assert frame.materializer.attribute == "PandasMaterializer"
