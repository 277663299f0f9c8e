# Shape of a public grader's checks of a finished run and of ZenML 0.98's step context
# (zenml/steps/step_context.py get_output_materializer): inside a step the output's
# materializer, made with the output's URI, saves and loads there (a custom class may be
# asked for); every artifact version has its storage_size metadata; run.stack names the
# stack; a model version lists the runs linked to it (pipeline_run_ids, pipeline_runs).
# Passes on ZenML 0.98.
import os
from typing import Any, Tuple

from typing_extensions import Annotated

from dagwell import Model, get_step_context, pipeline, step
from dagwell.client import Client
from dagwell.enums import ArtifactType
from dagwell.materializers.base_materializer import BaseMaterializer


class Note:
    def __init__(self, text: str) -> None:
        self.text = text


class NoteMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (Note,)
    ASSOCIATED_ARTIFACT_TYPE = ArtifactType.DATA

    def load(self, data_type: Any) -> Note:
        with self.artifact_store.open(os.path.join(self.uri, "note.txt"), "r") as f:
            return Note(f.read())

    def save(self, data: Note) -> None:
        with self.artifact_store.open(os.path.join(self.uri, "note.txt"), "w") as f:
            f.write(data.text)


@step
def make() -> Tuple[Annotated[list, "numbers"], Annotated[Note, "note"]]:
    context = get_step_context()
    numbers = context.get_output_materializer(output_name="numbers")
    assert numbers.uri == context.get_output_artifact_uri(output_name="numbers")
    note = context.get_output_materializer(output_name="note")
    assert isinstance(note, NoteMaterializer), type(note)
    custom = context.get_output_materializer(
        output_name="numbers", custom_materializer_class=NoteMaterializer
    )
    assert isinstance(custom, NoteMaterializer) and custom.uri == numbers.uri
    return [1, 2, 3], Note("kept")


@pipeline(enable_cache=False, model=Model(name="linked_model"))
def linked():
    make()


if __name__ == "__main__":
    first = linked()
    second = linked.with_options(model=Model(name="linked_model"))()
    client = Client()
    for name in ("numbers", "note"):
        size = client.get_artifact_version(name).run_metadata["storage_size"]
        assert int(size) > 0, (name, size)
    assert client.get_artifact_version("note").load().text == "kept"
    run = client.get_pipeline_run(second.id)
    assert run.stack is not None and run.stack.name == "default"
    version = client.get_model_version("linked_model", "latest")
    assert set(version.pipeline_run_ids) == {second.name}, version.pipeline_run_ids
    assert str(version.pipeline_run_ids[second.name]) == str(second.id)
    assert [r.id for r in version.pipeline_runs.values()] == [second.id]
    older = client.get_model_version("linked_model", 1)
    assert {str(i) for i in older.pipeline_run_ids.values()} == {str(first.id)}
