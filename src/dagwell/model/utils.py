"""``dagwell.model.utils``: ZenML's ``zenml.model.utils`` path for its model functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.deprecated_metadata import log_model_metadata
    from dagwell.api.model_links import link_artifact_to_model

_WHERE = {
    "link_artifact_to_model": "dagwell.api.model_links",
    "log_model_metadata": "dagwell.api.deprecated_metadata",
}
__all__ = ["link_artifact_to_model", "log_model_metadata"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
