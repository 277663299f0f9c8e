from steps import data_loader, inference_predict
from zenml import pipeline
from zenml.logger import get_logger

logger = get_logger(__name__)


@pipeline
def inference(random_state: int, target: str):
    df_inference = data_loader(random_state=random_state, is_inference=True, target=target)
    inference_predict(dataset_inf=df_inference)
