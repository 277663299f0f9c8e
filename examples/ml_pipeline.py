"""A small real ML pipeline: load a dataset, train a scikit-learn model, evaluate it.

Run it twice: the second run reuses every step from the cache (same code, same
parameters, same input bytes). Change `C` and only training and evaluation run again.

    python examples/ml_pipeline.py            # or: dagwell run examples/ml_pipeline.py
    python examples/ml_pipeline.py 0.5        # another C: load is cached, the rest reruns
"""

import sys
from typing import Annotated, Any

import numpy as np
import pandas as pd

from dagwell import ResourceSettings, pipeline, step


@step
def load_data() -> tuple[Annotated[pd.DataFrame, "features"], Annotated[np.ndarray, "labels"]]:
    from sklearn.datasets import load_wine

    data = load_wine(as_frame=True)
    return data.data, data.target.to_numpy()


@step
def split(
    features: pd.DataFrame, labels: np.ndarray, test_fraction: float = 0.25
) -> tuple[
    Annotated[pd.DataFrame, "x_train"],
    Annotated[pd.DataFrame, "x_test"],
    Annotated[np.ndarray, "y_train"],
    Annotated[np.ndarray, "y_test"],
]:
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(
        features, labels, test_size=test_fraction, random_state=0, stratify=labels
    )
    return x_train, x_test, y_train, y_test


@step(resources=ResourceSettings(memory="500MB"))
def train(x_train: pd.DataFrame, y_train: np.ndarray, C: float = 1.0) -> Any:  # noqa: N803
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))
    model.fit(x_train, y_train)
    print(f"trained with C={C}")
    return model  # no safe format fits a fitted model: stored with cloudpickle (logged)


@step
def evaluate(model: Any, x_test: pd.DataFrame, y_test: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import accuracy_score

    return {"accuracy": float(accuracy_score(y_test, model.predict(x_test)))}


@pipeline
def wine_quality(C: float = 1.0) -> None:  # noqa: N803
    features, labels = load_data()
    x_train, x_test, y_train, y_test = split(features, labels)
    model = train(x_train, y_train, C=C)
    evaluate(model, x_test, y_test)


if __name__ == "__main__":
    run = wine_quality(C=float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
    statuses = {name: s.status.value for name, s in run.steps.items()}
    print(f"accuracy: {run.steps['evaluate'].output.load()['accuracy']:.3f}  steps: {statuses}")
