# Shape of ZenML's docs "Attach metadata" pages (how-to/attach-metadata-and-tags/...):
# log_metadata imported from zenml.utils.metadata_utils with ZenML's special value types
# from zenml.metadata.metadata_types (Uri, Path, DType, StorageSize) and nested dicts,
# read back from the step and its output artifact. Passes on ZenML 0.98.
from typing_extensions import Annotated

from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.metadata.metadata_types import DType, Path, StorageSize, Uri
from dagwell.utils.metadata_utils import log_metadata


@step
def train() -> Annotated[list, "weights"]:
    log_metadata(
        metadata={
            "dashboard": Uri("https://example.com/run/1"),
            "checkpoint": Path("/tmp/ckpt"),
            "dtype": DType("float32"),
            "size": StorageSize(2048),
            "metrics": {"accuracy": 0.9, "loss": [0.5, 0.2]},
        }
    )
    log_metadata(metadata={"rows": 3}, infer_artifact=True)
    return [1, 2, 3]


@pipeline(enable_cache=False)
def metadata_types_pipeline():
    train()


if __name__ == "__main__":
    run = metadata_types_pipeline()
    logged = Client().get_pipeline_run(run.id).steps["train"].run_metadata
    assert logged["dashboard"] == "https://example.com/run/1"
    assert logged["checkpoint"] == "/tmp/ckpt" and logged["dtype"] == "float32"
    assert logged["size"] == 2048
    assert logged["metrics"] == {"accuracy": 0.9, "loss": [0.5, 0.2]}
    assert Client().get_artifact_version("weights").run_metadata["rows"] == 3
