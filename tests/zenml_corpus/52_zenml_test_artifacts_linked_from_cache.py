# ZenML's own integration test of its public API (tests/integration/functional/model/, its
# test_artifacts_linked_from_cache_steps), run as a script with Client() for its clean_client
# fixture: a model version's data_artifact_ids / model_artifact_ids, cached steps' outputs
# linked too. Before: ModelVersionResponse had no *_artifact_ids.
from typing_extensions import Annotated

from dagwell import pipeline, step
from dagwell.artifacts.artifact_config import ArtifactConfig
from dagwell.client import Client
from dagwell.enums import ArtifactType
from dagwell.model.model import Model


@step(enable_cache=True)
def _cacheable_step_annotated() -> (
    Annotated[
        str, ArtifactConfig(name="cacheable", artifact_type=ArtifactType.MODEL)
    ]
):
    return "cacheable"


@step(enable_cache=True)
def _cacheable_step_not_annotated():
    return "cacheable"


@step(enable_cache=False)
def _non_cacheable_step():
    return "not cacheable"


def test_artifacts_linked_from_cache_steps(clean_client: "Client"):
    """Test that artifacts are linked from cache steps."""

    @pipeline(
        model=Model(name="foo"),
        enable_cache=False,
    )
    def _inner_pipeline(force_disable_cache: bool = False):
        _cacheable_step_annotated.with_options(
            enable_cache=force_disable_cache
        )()
        _cacheable_step_not_annotated.with_options(
            enable_cache=force_disable_cache
        )()
        _non_cacheable_step()

    for i in range(1, 3):
        _inner_pipeline(i != 1)

        mvrm = clean_client.get_model_version(
            model_name_or_id="foo", model_version_name_or_number_or_id=i
        )
        assert len(mvrm.data_artifact_ids) == 2, f"Failed on {i} run"
        assert len(mvrm.model_artifact_ids) == 1, f"Failed on {i} run"
        assert set(mvrm.data_artifact_ids.keys()) == {
            "_inner_pipeline::_non_cacheable_step::output",
            "_inner_pipeline::_cacheable_step_not_annotated::output",
        }, f"Failed on {i} run"
        assert set(mvrm.model_artifact_ids.keys()) == {
            "cacheable",
        }, f"Failed on {i} run"


if __name__ == "__main__":
    test_artifacts_linked_from_cache_steps(Client())
