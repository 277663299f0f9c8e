# docs.zenml.io user-guide/starter-guide/manage-artifacts (save_artifact / load_artifact)
import numpy as np

from zenml import load_artifact, save_artifact

save_artifact(np.array([1, 2, 3]), name="iris_features", version="raw", tags=["demo"])
save_artifact({"k": 2}, name="my_config")
save_artifact({"k": 3}, name="my_config")

features = load_artifact("iris_features", version="raw")
config = load_artifact("my_config")
first = load_artifact("my_config", version="1")
assert features.tolist() == [1, 2, 3]
assert config == {"k": 3} and first == {"k": 2}
