import os

import click
from pipelines import feature_engineering, inference, training
from zenml.client import Client
from zenml.logger import get_logger

logger = get_logger(__name__)


@click.command()
@click.option("--feature-pipeline", is_flag=True, default=False)
@click.option("--training-pipeline", is_flag=True, default=False)
@click.option("--inference-pipeline", is_flag=True, default=False)
@click.option("--train-dataset-name", default="dataset_trn", type=click.STRING)
@click.option("--train-dataset-version-name", default=None, type=click.STRING)
@click.option("--test-dataset-name", default="dataset_tst", type=click.STRING)
@click.option("--test-dataset-version-name", default=None, type=click.STRING)
@click.option("--no-cache", is_flag=True, default=False)
def main(
    feature_pipeline: bool = False,
    training_pipeline: bool = False,
    inference_pipeline: bool = False,
    train_dataset_name: str = "dataset_trn",
    train_dataset_version_name: str | None = None,
    test_dataset_name: str = "dataset_tst",
    test_dataset_version_name: str | None = None,
    no_cache: bool = False,
):
    client = Client()
    config_folder = os.path.join(os.path.dirname(os.path.realpath(__file__)), "configs")

    pipeline_args = {}
    if no_cache:
        pipeline_args["enable_cache"] = False

    if feature_pipeline:
        pipeline_args["config_path"] = os.path.join(config_folder, "feature_engineering.yaml")
        run_args_feature = {}
        feature_engineering.with_options(**pipeline_args)(**run_args_feature)
        logger.info("Feature Engineering pipeline finished successfully!\n")
        train_dataset_artifact = client.get_artifact_version(train_dataset_name)
        test_dataset_artifact = client.get_artifact_version(test_dataset_name)
        logger.info(
            "The latest feature engineering pipeline produced the following "
            f"artifacts: \n\n1. Train Dataset - Name: {train_dataset_name}, "
            f"Version Name: {train_dataset_artifact.version} \n2. Test Dataset: "
            f"Name: {test_dataset_name}, Version Name: {test_dataset_artifact.version}"
        )

    if training_pipeline:
        run_args_train = {}
        if train_dataset_version_name or test_dataset_version_name:
            assert train_dataset_version_name and test_dataset_version_name
            train_dataset_artifact_version = client.get_artifact_version(
                train_dataset_name, train_dataset_version_name
            )
            test_dataset_artifact_version = client.get_artifact_version(
                test_dataset_name, test_dataset_version_name
            )
            run_args_train = {
                "train_dataset_id": train_dataset_artifact_version.id,
                "test_dataset_id": test_dataset_artifact_version.id,
            }
        pipeline_args["config_path"] = os.path.join(config_folder, "training_sgd.yaml")
        training.with_options(**pipeline_args)(**run_args_train)
        logger.info("Training pipeline with SGD finished successfully!\n\n")

    if inference_pipeline:
        run_args_inference = {}
        pipeline_args["config_path"] = os.path.join(config_folder, "inference.yaml")
        inference.with_options(**pipeline_args)(**run_args_inference)
        logger.info("Inference pipeline finished successfully!")


if __name__ == "__main__":
    main()
