"""``dagwell.enums``: ZenML's enums that dagwell has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.list_filters import LogicalOperators
    from dagwell.api.model import ModelStages
    from dagwell.artifact_store.custom import ArtifactType, VisualizationType
    from dagwell.core.execution_status import ExecutionMode, ExecutionStatus
    from dagwell.core.records import ArtifactSaveType, StepRunInputArtifactType
    from dagwell.core.statuses import RunStatus, StepStatus
    from dagwell.core.tag_colors import ColorVariants

_WHERE = {
    "ArtifactSaveType": "dagwell.core.records",
    "ArtifactType": "dagwell.artifact_store.custom",
    "ColorVariants": "dagwell.core.tag_colors",
    "ExecutionMode": "dagwell.core.execution_status",
    "ExecutionStatus": "dagwell.core.execution_status",
    "LogicalOperators": "dagwell.api.list_filters",
    "ModelStages": "dagwell.api.model",
    "RunStatus": "dagwell.core.statuses",
    "StepRunInputArtifactType": "dagwell.core.records",
    "StepStatus": "dagwell.core.statuses",
    "VisualizationType": "dagwell.artifact_store.custom",
}
__all__ = [
    "ArtifactSaveType",
    "ArtifactType",
    "ColorVariants",
    "ExecutionMode",
    "ExecutionStatus",
    "LogicalOperators",
    "ModelStages",
    "RunStatus",
    "StepRunInputArtifactType",
    "StepStatus",
    "VisualizationType",
]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
