# docs: pass an ExternalArtifact into a pipeline.
import numpy as np
from dagwell import ExternalArtifact, pipeline, step


@step
def print_data(data: np.ndarray) -> float:
    print(data)
    return float(data.sum())


@pipeline
def printing_pipeline():
    data = ExternalArtifact(value=np.array([1.0, 2.0, 3.0]))
    print_data(data=data)


if __name__ == "__main__":
    run = printing_pipeline()
    assert run.steps["print_data"].output.load() == 6.0
