from typing import Annotated

import pandas as pd
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from zenml import log_metadata, step


@step
def data_preprocessor(
    dataset_trn: pd.DataFrame,
    dataset_tst: pd.DataFrame,
    normalize: bool | None = None,
    target: str = "target",
) -> tuple[
    Annotated[pd.DataFrame, "dataset_trn"],
    Annotated[pd.DataFrame, "dataset_tst"],
    Annotated[Pipeline, "preprocess_pipeline"],
]:
    steps = []
    if normalize:
        steps.append(("normalize", MinMaxScaler()))
    preprocess_pipeline = Pipeline(steps or [("passthrough", "passthrough")])
    features = [c for c in dataset_trn.columns if c != target]
    preprocess_pipeline.fit(dataset_trn[features])
    dataset_trn[features] = preprocess_pipeline.transform(dataset_trn[features])
    dataset_tst[features] = preprocess_pipeline.transform(dataset_tst[features])
    log_metadata(
        metadata={"normalized": bool(normalize)},
        artifact_name="preprocess_pipeline",
        infer_artifact=True,
    )
    return dataset_trn, dataset_tst, preprocess_pipeline
