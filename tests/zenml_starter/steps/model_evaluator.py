import pandas as pd
from sklearn.base import ClassifierMixin
from zenml import log_metadata, step
from zenml.logger import get_logger

logger = get_logger(__name__)


@step
def model_evaluator(
    model: ClassifierMixin,
    dataset_trn: pd.DataFrame,
    dataset_tst: pd.DataFrame,
    min_train_accuracy: float = 0.0,
    min_test_accuracy: float = 0.0,
    target: str | None = "target",
) -> float:
    trn_acc = model.score(dataset_trn.drop(columns=[target]), dataset_trn[target])
    tst_acc = model.score(dataset_tst.drop(columns=[target]), dataset_tst[target])
    logger.info(f"Train accuracy={trn_acc * 100:.2f}%, test accuracy={tst_acc * 100:.2f}%")
    messages = []
    if trn_acc < min_train_accuracy:
        messages.append(
            f"Train accuracy {trn_acc * 100:.2f}% is below {min_train_accuracy * 100:.2f}% !"
        )
    if tst_acc < min_test_accuracy:
        messages.append(
            f"Test accuracy {tst_acc * 100:.2f}% is below {min_test_accuracy * 100:.2f}% !"
        )
    for message in messages:
        logger.warning(message)
    # inside a step, bare log_metadata goes to the step run (ZenML 0.98)
    log_metadata(metadata={"train_accuracy": float(trn_acc), "test_accuracy": float(tst_acc)})
    return float(tst_acc)
