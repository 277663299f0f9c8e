# ZenML's own integration test of its public API (tests/integration/functional/model/, its
# test_update_of_has_custom_name), run as a script with Client() for its clean_client
# fixture: an artifact named like an unnamed output is one with a custom name. Before:
# ArtifactResponse had no has_custom_name.
from typing_extensions import Annotated

from dagwell import pipeline, step
from dagwell.client import Client

@step
def standard_name_producer() -> str:
    return "standard"


@step
def custom_name_producer() -> (
    Annotated[str, "pipeline_::standard_name_producer::output"]
):
    return "custom"


def test_update_of_has_custom_name(clean_client: "Client"):
    """Test that update of has_custom_name works."""

    @pipeline(enable_cache=False)
    def pipeline_():
        standard_name_producer()

    @pipeline(enable_cache=False)
    def pipeline_2():
        custom_name_producer()

    # Run once -> no custom name
    pipeline_()
    assert not clean_client.get_artifact(
        "pipeline_::standard_name_producer::output"
    ).has_custom_name, "Standard name validation failed"

    # Run with custom name -> gets set to true
    pipeline_2()
    assert clean_client.get_artifact(
        "pipeline_::standard_name_producer::output"
    ).has_custom_name, "Custom name validation failed"

    # Run again with standard name -> custom name stays true
    pipeline_()
    assert clean_client.get_artifact(
        "pipeline_::standard_name_producer::output"
    ).has_custom_name, "Custom name validation failed"


if __name__ == "__main__":
    test_update_of_has_custom_name(Client())
