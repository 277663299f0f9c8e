from typing import Annotated

import pandas as pd
from zenml import get_step_context, step
from zenml.logger import get_logger

logger = get_logger(__name__)


@step
def inference_predict(dataset_inf: pd.DataFrame) -> Annotated[pd.Series, "predictions"]:
    model = get_step_context().model
    classifier = model.load_artifact("sklearn_classifier")
    predictions = classifier.predict(dataset_inf)
    return pd.Series(predictions, name="predicted")
