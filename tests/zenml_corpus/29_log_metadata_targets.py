# ZenML 0.98 source (utils/metadata_utils.py log_metadata) and the docs page "Attach
# metadata to ...": every target form, in and outside a step, read back as .run_metadata.
# Passes on ZenML 0.98 unchanged.
from typing import Tuple

from typing_extensions import Annotated

from dagwell import Model, log_metadata, pipeline, step
from dagwell.client import Client


@step
def trainer() -> Annotated[dict, "weights"]:
    log_metadata(metadata={"step_key": 1})
    log_metadata(metadata={"model_key": 2}, infer_model=True)
    log_metadata(metadata={"artifact_key": 3}, infer_artifact=True)
    return {"w": 1}


@step
def splitter() -> Tuple[Annotated[list, "train"], Annotated[list, "test"]]:
    log_metadata(metadata={"rows": 2}, artifact_name="test", infer_artifact=True)
    return [1, 2, 3], [4, 5]


@pipeline(model=Model(name="metadata_model"), enable_cache=False)
def metadata_pipeline():
    trainer()
    splitter()


if __name__ == "__main__":
    run = metadata_pipeline()
    client = Client()
    run = client.get_pipeline_run(run.id)
    assert run.steps["trainer"].run_metadata["step_key"] == 1
    mv = client.get_model_version("metadata_model")
    assert mv.run_metadata["model_key"] == 2
    weights = client.get_artifact_version("weights")
    assert weights.run_metadata["artifact_key"] == 3
    assert client.get_artifact_version("test").run_metadata["rows"] == 2
    assert "rows" not in client.get_artifact_version("train").run_metadata

    # outside a step: every explicit target
    log_metadata(metadata={"by_step_id": 1}, step_id=run.steps["trainer"].id)
    log_metadata(metadata={"by_step_name": 1}, step_name="splitter", run_id_name_or_prefix=run.id)
    log_metadata(metadata={"by_run": 1}, run_id_name_or_prefix=run.name)
    log_metadata(metadata={"by_av_id": 1}, artifact_version_id=weights.id)
    log_metadata(metadata={"by_av_name": 1}, artifact_name="weights", artifact_version="1")
    log_metadata(metadata={"by_mv_name": 1}, model_name="metadata_model", model_version="1")
    log_metadata(metadata={"by_mv_id": 1}, model_version_id=mv.id)

    run = client.get_pipeline_run(run.id)
    assert run.steps["trainer"].run_metadata["by_step_id"] == 1
    assert run.steps["splitter"].run_metadata["by_step_name"] == 1
    assert run.run_metadata["by_run"] == 1
    weights = client.get_artifact_version("weights")
    assert weights.run_metadata["by_av_id"] == 1 and weights.run_metadata["by_av_name"] == 1
    mv = client.get_model_version("metadata_model", 1)
    assert mv.run_metadata["by_mv_name"] == 1 and mv.run_metadata["by_mv_id"] == 1

    for wrong in ({"model_name": "metadata_model"}, {}, {"infer_model": True}):
        try:
            log_metadata(metadata={"x": 1}, **wrong)
            raise AssertionError(f"log_metadata({wrong}) outside a step must be refused")
        except ValueError:
            pass
