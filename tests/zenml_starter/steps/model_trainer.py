from typing import Annotated

import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.linear_model import SGDClassifier
from zenml import ArtifactConfig, step
from zenml.enums import ArtifactType
from zenml.logger import get_logger

logger = get_logger(__name__)


@step
def model_trainer(
    dataset_trn: pd.DataFrame,
    model_type: str = "sgd",
    target: str | None = "target",
) -> Annotated[
    ClassifierMixin,
    ArtifactConfig(name="sklearn_classifier", artifact_type=ArtifactType.MODEL),
]:
    if model_type != "sgd":
        raise ValueError(f"Unknown model type {model_type}")
    model = SGDClassifier(random_state=42)
    logger.info(f"Training model {model}...")
    model.fit(dataset_trn.drop(columns=[target]), dataset_trn[target])
    return model
