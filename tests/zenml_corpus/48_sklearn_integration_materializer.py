# Community code (a training step naming ZenML's sklearn integration materializer, and a
# step whose experiment tracker is the active stack's if it has one).
from typing import Tuple

import pandas as pd
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from typing_extensions import Annotated

from dagwell import pipeline, save_artifact, step
from dagwell.client import Client
from dagwell.integrations.numpy.materializers.numpy_materializer import NumpyMaterializer
from dagwell.integrations.pandas.materializers.pandas_materializer import PandasMaterializer
from dagwell.integrations.sklearn.materializers.sklearn_materializer import SklearnMaterializer

experiment_tracker = Client().active_stack.experiment_tracker


@step(output_materializers={"X": PandasMaterializer, "y": PandasMaterializer})
def load() -> Tuple[Annotated[pd.DataFrame, "X"], Annotated[pd.Series, "y"]]:
    data = load_iris(as_frame=True)
    return data.data, data.target


@step(
    experiment_tracker=experiment_tracker.name if experiment_tracker else None,
    output_materializers={"output": SklearnMaterializer},
)
def model_building(X_train: pd.DataFrame, y_train: pd.Series) -> LogisticRegression:
    return LogisticRegression(max_iter=200).fit(X_train, y_train)


@pipeline
def train():
    X, y = load()
    model_building(X_train=X, y_train=y)


if __name__ == "__main__":
    run = Client().get_pipeline_run(train().id)
    out = run.steps["model_building"].output
    assert isinstance(out.load(), LogisticRegression)
    assert str(out.type) == "ModelArtifact", out.type
    X = run.steps["load"].outputs["X"][0].load()
    assert isinstance(X, pd.DataFrame) and X.shape == (150, 4)
    assert run.steps["load"].outputs["y"][0].load().tolist()[:3] == [0, 0, 0]
    import numpy as np

    save_artifact(np.arange(3), name="arange", materializer=NumpyMaterializer)
    assert Client().get_artifact_version("arange").load().tolist() == [0, 1, 2]
