# docs.zenml.io how-to/.../external-artifact
import numpy as np

from zenml import ExternalArtifact, pipeline, step


@step
def print_data(data: np.ndarray) -> int:
    print(data)
    return int(data.sum())


@pipeline
def printing_pipeline():
    data = ExternalArtifact(value=np.array([0, 1, 2]))
    print_data(data=data)


if __name__ == "__main__":
    run = printing_pipeline()
    assert run.steps["print_data"].output.load() == 3
