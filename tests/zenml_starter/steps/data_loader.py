from typing import Annotated

import pandas as pd
from sklearn.datasets import load_breast_cancer
from zenml import step
from zenml.logger import get_logger

logger = get_logger(__name__)


@step
def data_loader(
    random_state: int, is_inference: bool = False, target: str = "target"
) -> Annotated[pd.DataFrame, "dataset"]:
    dataset = load_breast_cancer(as_frame=True)
    inference_size = int(len(dataset.target) * 0.05)
    df: pd.DataFrame = dataset.frame
    inference_subset = df.sample(inference_size, random_state=random_state)
    if is_inference:
        df = inference_subset
        df.drop(columns=target, inplace=True)
    else:
        df.drop(inference_subset.index, inplace=True)
    df.reset_index(drop=True, inplace=True)
    logger.info(f"Dataset with {len(df)} records loaded!")
    return df
