# ZenML 0.98's built-in materializers record metadata of what they store
# (materializers/built_in_materializer.py extract_metadata): a container's `length`, a
# number's or a bool's `string_representation`, a UUID's; a custom materializer's
# extract_metadata is recorded for save_artifact too, under the user_metadata given.
# Passes on ZenML 0.98.
import uuid
from typing import Annotated, Any, Dict, Tuple, Type

from dagwell import pipeline, save_artifact, step
from dagwell.client import Client
from dagwell.enums import ArtifactType
from dagwell.materializers.base_materializer import BaseMaterializer

@step
def make() -> Tuple[
    Annotated[list, "numbers"],
    Annotated[dict, "config"],
    Annotated[int, "count"],
    Annotated[float, "score"],
    Annotated[bool, "ok"],
    Annotated[str, "text"],
    Annotated[uuid.UUID, "key"],
]:
    return [1, 2, 3], {"lr": 0.1, "epochs": 3}, 7, 0.5, True, "hello", uuid.UUID(int=5)

@pipeline(enable_cache=False)
def metadata_pipeline():
    make()

class Box:
    def __init__(self, items: list) -> None:
        self.items = items

class BoxMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (Box,)
    ASSOCIATED_ARTIFACT_TYPE = ArtifactType.DATA

    def load(self, data_type: Type[Any]) -> Box:
        with self.artifact_store.open(self.uri + "/items.txt", "r") as f:
            return Box(f.read().split(","))

    def save(self, data: Box) -> None:
        with self.artifact_store.open(self.uri + "/items.txt", "w") as f:
            f.write(",".join(data.items))

    def extract_metadata(self, data: Box) -> Dict[str, Any]:
        return {"items": len(data.items), "kind": "box"}

if __name__ == "__main__":
    metadata_pipeline()
    outputs = Client().get_pipeline("metadata_pipeline").last_run.steps["make"].outputs
    md = {name: outputs[name][0].run_metadata for name in outputs}
    assert md["numbers"]["length"] == 3, md["numbers"]
    assert md["config"]["length"] == 2, md["config"]
    assert md["count"]["string_representation"] == "7", md["count"]
    assert md["score"]["string_representation"] == "0.5", md["score"]
    assert md["ok"]["string_representation"] == "True", md["ok"]
    assert "string_representation" not in md["text"] and "length" not in md["text"]
    assert md["key"]["string_representation"] == str(uuid.UUID(int=5)), md["key"]
    assert all("storage_size" in m for m in md.values()), md

    saved = save_artifact((4, 5), "pair")
    assert Client().get_artifact_version("pair").run_metadata["length"] == 2
    boxed = save_artifact(
        Box(["a", "b"]), "box", materializer=BoxMaterializer, user_metadata={"kind": "mine"}
    )
    found = Client().get_artifact_version("box").run_metadata
    assert found["items"] == 2 and found["kind"] == "mine", found
    bare = save_artifact([1], "bare", extract_metadata=False)
    assert "length" not in Client().get_artifact_version("bare").run_metadata
