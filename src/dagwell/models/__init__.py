"""``dagwell.models``: ZenML's ``zenml.models`` path, for the response classes scripts name in
type hints and ``isinstance`` checks (``run: PipelineRunResponse = my_pipeline()``). Each
name is the dagwell class that plays that part: what a pipeline call, ``Client()`` getters
and lists return."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.list_filters import Page
    from dagwell.api.model_responses import ModelResponse, ModelVersionResponse
    from dagwell.api.model_responses import ModelVersionArtifactLink as ModelVersionArtifactResponse
    from dagwell.api.zenml_client import ArtifactView as ArtifactResponse
    from dagwell.api.zenml_client import PipelineView as PipelineResponse
    from dagwell.core.records import ArtifactVersion as ArtifactVersionResponse
    from dagwell.core.records import PipelineRun as PipelineRunResponse
    from dagwell.core.records import StepRun as StepRunResponse
    from dagwell.core.records import StepRunInput as StepRunInputResponse
    from dagwell.core.records import Tag as TagResponse

_WHERE = {
    "ArtifactResponse": "dagwell.api.zenml_client:ArtifactView",
    "ArtifactVersionResponse": "dagwell.core.records:ArtifactVersion",
    "ModelResponse": "dagwell.api.model_responses",
    "ModelVersionArtifactResponse": "dagwell.api.model_responses:ModelVersionArtifactLink",
    "ModelVersionResponse": "dagwell.api.model_responses",
    "Page": "dagwell.api.list_filters",
    "PipelineResponse": "dagwell.api.zenml_client:PipelineView",
    "PipelineRunResponse": "dagwell.core.records:PipelineRun",
    "StepRunResponse": "dagwell.core.records:StepRun",
    "StepRunInputResponse": "dagwell.core.records:StepRunInput",
    "TagResponse": "dagwell.core.records:Tag",
}
__all__ = [
    "ArtifactResponse",
    "ArtifactVersionResponse",
    "ModelResponse",
    "ModelVersionArtifactResponse",
    "ModelVersionResponse",
    "Page",
    "PipelineResponse",
    "PipelineRunResponse",
    "StepRunInputResponse",
    "StepRunResponse",
    "TagResponse",
]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
