from steps import data_loader, data_preprocessor, data_splitter
from zenml import pipeline
from zenml.logger import get_logger

logger = get_logger(__name__)


@pipeline
def feature_engineering(
    test_size: float = 0.2,
    normalize: bool | None = True,
    target: str | None = "target",
    random_state: int = 17,
):
    raw_data = data_loader(random_state=random_state, target=target)
    dataset_trn, dataset_tst = data_splitter(dataset=raw_data, test_size=test_size)
    dataset_trn, dataset_tst, _ = data_preprocessor(
        dataset_trn=dataset_trn,
        dataset_tst=dataset_tst,
        normalize=normalize,
        target=target,
    )
    return dataset_trn, dataset_tst
