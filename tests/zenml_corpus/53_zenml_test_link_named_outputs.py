# ZenML's own integration test of its public API (tests/integration/functional/model/, its
# test_link_multiple_named_outputs_without_links), run as a script with Client() for its
# clean_client fixture. Before: Client had no list_model_version_artifact_links.
from typing import Tuple

from typing_extensions import Annotated

from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.enums import ModelStages
from dagwell.model.model import Model

MODEL_NAME = "foo"


@step(model=Model(name=MODEL_NAME))
def multi_named_output_step_not_tracked() -> (
    Tuple[
        Annotated[int, "1"],
        Annotated[int, "2"],
        Annotated[int, "3"],
    ]
):
    """Here links would be implicitly created based on step Model."""
    return 1, 2, 3


@pipeline(enable_cache=False)
def multi_named_pipeline_not_tracked():
    """Here links would be implicitly created based on step Model."""
    multi_named_output_step_not_tracked()


def test_link_multiple_named_outputs_without_links(clean_client: "Client"):
    """Test multi output step implicit linking based on step context."""
    multi_named_pipeline_not_tracked()

    mv = clean_client.get_model_version(MODEL_NAME, ModelStages.LATEST)
    assert mv.number == 1 and mv.name == "1"
    assert mv.model.name == MODEL_NAME
    artifact_links = clean_client.list_model_version_artifact_links(
        model_version_id=mv.id,
    )
    assert artifact_links.size == 3


if __name__ == "__main__":
    test_link_multiple_named_outputs_without_links(Client())
