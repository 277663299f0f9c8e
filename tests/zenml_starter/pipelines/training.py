from uuid import UUID

from steps import model_evaluator, model_promoter, model_trainer
from zenml import pipeline
from zenml.client import Client
from zenml.logger import get_logger

from pipelines import feature_engineering

logger = get_logger(__name__)


@pipeline
def training(
    train_dataset_id: UUID | None = None,
    test_dataset_id: UUID | None = None,
    target: str | None = "target",
    model_type: str | None = "sgd",
):
    if train_dataset_id is None or test_dataset_id is None:
        dataset_trn, dataset_tst = feature_engineering()
    else:
        client = Client()
        dataset_trn = client.get_artifact_version(name_id_or_prefix=train_dataset_id)
        dataset_tst = client.get_artifact_version(name_id_or_prefix=test_dataset_id)
    model = model_trainer(dataset_trn=dataset_trn, target=target, model_type=model_type)
    acc = model_evaluator(
        model=model,
        dataset_trn=dataset_trn,
        dataset_tst=dataset_tst,
        target=target,
    )
    model_promoter(accuracy=acc)
