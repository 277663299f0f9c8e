# Shape of ZenML's docs "Materializers" > "Example: A Complete Materializer" (how-to/
# artifacts/materializers.md): a materializer that writes and reads through
# self.artifact_store.open(...) under self.uri, and uses get_temporary_directory().
# Passes on ZenML 0.98.
import json
import os
from typing import Any, Type

from dagwell import pipeline, step
from dagwell.enums import ArtifactType
from dagwell.materializers.base_materializer import BaseMaterializer


class Recipe:
    def __init__(self, name: str, steps: list):
        self.name, self.steps = name, steps


class RecipeMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (Recipe,)
    ASSOCIATED_ARTIFACT_TYPE = ArtifactType.DATA

    def load(self, data_type: Type[Any]) -> Recipe:
        with self.artifact_store.open(os.path.join(self.uri, "recipe.json"), "r") as f:
            data = json.load(f)
        assert self.artifact_store.exists(os.path.join(self.uri, "steps.txt"))
        return data_type(data["name"], data["steps"])

    def save(self, data: Recipe) -> None:
        with self.get_temporary_directory(delete_at_exit=True) as scratch:
            assert os.path.isdir(scratch)
        with self.artifact_store.open(os.path.join(self.uri, "recipe.json"), "w") as f:
            json.dump({"name": data.name, "steps": data.steps}, f)
        with self.artifact_store.open(os.path.join(self.uri, "steps.txt"), "w") as f:
            f.write("\n".join(data.steps))


@step(output_materializers=RecipeMaterializer)
def write_recipe() -> Recipe:
    return Recipe("bread", ["mix", "bake"])


@step
def read_recipe(recipe: Recipe) -> str:
    return f"{recipe.name}: {len(recipe.steps)} steps"


@pipeline
def recipe_pipeline():
    read_recipe(write_recipe())


if __name__ == "__main__":
    run = recipe_pipeline()
    assert run.steps["read_recipe"].output.load() == "bread: 2 steps"
    assert run.steps["write_recipe"].output.load().steps == ["mix", "bake"]
