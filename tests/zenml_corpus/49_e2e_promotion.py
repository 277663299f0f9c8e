# ZenML's examples/e2e promotion and batch inference steps (compute_performance_metrics_on_
# current_data, promote_with_metric_compare, inference_predict, data_loader), with a trainer
# written here in place of e2e's MLflow-tracked one.
from typing import Tuple

import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import accuracy_score
from typing_extensions import Annotated
from dagwell import ArtifactConfig, Model, get_step_context, step
from dagwell.logger import get_logger

DATA_CLASSIFICATION = "confidential"
# e2e's utils.promote_in_model_registry moves versions in the stack's MLflow model
# registry, an external service: stubbed here, it only records the call (in the step's
# process: dagwell runs each step in its own).
REGISTRY_CALLS = []


def promote_in_model_registry(latest_version, current_version, model_name, target_env):
    REGISTRY_CALLS.append((latest_version, current_version, model_name, target_env))


from sklearn.base import ClassifierMixin
from sklearn.tree import DecisionTreeClassifier

from dagwell import log_metadata, pipeline
from dagwell.client import Client

logger = get_logger(__name__)


@step
def data_loader(
    random_state: int, is_inference: bool = False
) -> Tuple[
    Annotated[pd.DataFrame, ArtifactConfig(name="dataset", tags=[DATA_CLASSIFICATION])],
    Annotated[str, ArtifactConfig(name="target", tags=[DATA_CLASSIFICATION])],
    Annotated[int, ArtifactConfig(name="random_state", tags=[DATA_CLASSIFICATION])],
]:
    dataset = load_breast_cancer(as_frame=True)
    inference_size = int(len(dataset.target) * 0.05)
    target = "target"
    dataset: pd.DataFrame = dataset.frame
    inference_subset = dataset.sample(inference_size, random_state=random_state)
    if is_inference:
        dataset = inference_subset
        dataset.drop(columns=target, inplace=True)
    else:
        dataset.drop(inference_subset.index, inplace=True)
    dataset.reset_index(drop=True, inplace=True)
    logger.info(f"Dataset with {len(dataset)} records loaded!")
    return dataset, target, random_state


@step
def compute_performance_metrics_on_current_data(
    dataset_tst: pd.DataFrame,
    target_env: str,
) -> Tuple[
    Annotated[float, ArtifactConfig(name="latest_metric", tags=["c1"])],
    Annotated[float, ArtifactConfig(name="current_metric", tags=["c1"])],
]:
    X = dataset_tst.drop(columns=["target"])
    y = dataset_tst["target"].to_numpy()
    logger.info("Evaluating model metrics...")

    # Get model version numbers from Model Control Plane
    latest_version = get_step_context().model
    current_version = Model(name=latest_version.name, version=target_env)

    latest_version_number = latest_version.number
    try:
        current_version_number = current_version.number
    except KeyError:
        current_version_number = None

    if current_version_number is None:
        current_version_number = -1
        metrics = {latest_version_number: 1.0, current_version_number: 0.0}
    else:
        # Get predictors
        predictors = {
            latest_version_number: latest_version.load_artifact("model"),
            current_version_number: current_version.load_artifact("model"),
        }

        metrics = {}
        for version in [latest_version_number, current_version_number]:
            # predict and evaluate
            predictions = predictors[version].predict(X)
            metrics[version] = accuracy_score(y, predictions)

    return metrics[latest_version_number], metrics[current_version_number]


@step
def promote_with_metric_compare(
    latest_metric: float,
    current_metric: float,
    mlflow_model_name: str,
    target_env: str,
) -> None:
    should_promote = True

    # Get model version numbers from Model Control Plane
    latest_version = get_step_context().model
    current_version = Model(name=latest_version.name, version=target_env)

    try:
        current_version_number = current_version.number
    except KeyError:
        current_version_number = None

    if current_version_number is None:
        logger.info("No current model version found - promoting latest")
    else:
        logger.info(
            f"Latest model metric={latest_metric:.6f}\nCurrent model metric={current_metric:.6f}"
        )
        if latest_metric >= current_metric:
            logger.info("Latest model version outperformed current version - promoting latest")
        else:
            logger.info("Current model version outperformed latest version - keeping current")
            should_promote = False

    if should_promote:
        # Promote in Model Control Plane
        model = get_step_context().model
        model.set_stage(stage=target_env, force=True)
        logger.info(f"Current model version was promoted to '{target_env}'.")

        # Promote in Model Registry
        latest_version_model_registry_number = latest_version.run_metadata["model_registry_version"]
        if current_version_number is None:
            current_version_model_registry_number = latest_version_model_registry_number
        else:
            current_version_model_registry_number = current_version.run_metadata[
                "model_registry_version"
            ]
        promote_in_model_registry(
            latest_version=latest_version_model_registry_number,
            current_version=current_version_model_registry_number,
            model_name=mlflow_model_name,
            target_env=target_env.capitalize(),
        )
        promoted_version = latest_version_model_registry_number
    else:
        promoted_version = current_version.run_metadata["model_registry_version"]

    logger.info(
        f"Current model version in `{target_env}` is `{promoted_version}` registered in Model Registry"
    )


@step
def inference_predict(
    dataset_inf: pd.DataFrame,
) -> Annotated[pd.Series, ArtifactConfig(name="predictions", tags=[DATA_CLASSIFICATION])]:
    model = get_step_context().model

    # run prediction from memory
    predictor = model.load_artifact("model")
    predictions = predictor.predict(dataset_inf)

    predictions = pd.Series(predictions, name="predicted")

    return predictions


@step
def model_trainer(
    dataset: pd.DataFrame, target: str, max_depth: int
) -> Annotated[ClassifierMixin, ArtifactConfig(name="model", is_model_artifact=True)]:
    model = DecisionTreeClassifier(max_depth=max_depth, random_state=0)
    model.fit(dataset.drop(columns=[target]), dataset[target])
    log_metadata(metadata={"model_registry_version": max_depth}, infer_model=True)
    return model


@pipeline
def e2e_use_case_training(target_env: str, max_depth: int):
    raw_data, target, _ = data_loader(random_state=7)
    model_trainer(dataset=raw_data, target=target, max_depth=max_depth)
    latest_metric, current_metric = compute_performance_metrics_on_current_data(
        dataset_tst=raw_data, target_env=target_env, after=["model_trainer"]
    )
    promote_with_metric_compare(
        latest_metric=latest_metric,
        current_metric=current_metric,
        mlflow_model_name="e2e_use_case",
        target_env=target_env,
    )


@pipeline
def e2e_use_case_batch_inference():
    df_inference, target, _ = data_loader(random_state=7, is_inference=True)
    inference_predict(dataset_inf=df_inference)


if __name__ == "__main__":
    model = Model(name="e2e_use_case", license="Proprietary")
    for depth in (1, 4, 2):
        e2e_use_case_training.with_options(model=model, enable_cache=False)(
            target_env="production", max_depth=depth
        )
    client = Client()
    prod = client.get_model_version("e2e_use_case", "production")
    assert (prod.number, prod.run_metadata["model_registry_version"]) == (2, 4)
    run = e2e_use_case_batch_inference.with_options(
        model=Model(name="e2e_use_case", version="production")
    )()
    run = client.get_pipeline_run(run.id)
    preds = run.steps["inference_predict"].outputs["predictions"][0].load()
    assert len(preds) == 28
    assert [v.number for v in client.list_model_versions("e2e_use_case")] == [1, 2, 3]
