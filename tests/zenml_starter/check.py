"""What a user would look at after `python run.py --feature-pipeline --training-pipeline
--inference-pipeline` and a second training run on the saved datasets."""

from zenml.client import Client
from zenml.enums import ModelStages

client = Client()
trn = client.get_artifact_version("dataset_trn")
tst = client.get_artifact_version("dataset_tst")
assert len(trn.load()) > len(tst.load()) > 50
model_version = client.get_model_version("breast_cancer_classifier", ModelStages.PRODUCTION)
evaluator = client.get_pipeline("training").last_run.steps["model_evaluator"]
assert evaluator.run_metadata["train_accuracy"] > 0.8
assert client.get_artifact_version("preprocess_pipeline").run_metadata["normalized"] is True
assert client.get_artifact_version("sklearn_classifier").load().predict is not None
inference_run = client.get_pipeline("inference").last_run
predictions = inference_run.steps["inference_predict"].outputs["predictions"][0].load()
assert len(predictions) == 28 and set(predictions) <= {0, 1}
training_runs = client.get_pipeline("training").runs
assert len(training_runs) == 2
print("starter project checked")
