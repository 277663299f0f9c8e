"""ZenML's ``link_artifact_to_model``, apart from :mod:`dagwell.api.model`.

Without a ``model=`` it links to the running step's model version, so it needs the step
context; the step context builds ``Model`` objects. Living here, above both, keeps
``model`` and ``context`` from importing each other.
"""

from __future__ import annotations

from dagwell.api.context import get_step_context
from dagwell.api.model import Model
from dagwell.core.records import ArtifactVersion


def link_artifact_to_model(artifact_version: ArtifactVersion, model: Model | None = None) -> None:
    """ZenML's ``link_artifact_to_model``: link an existing artifact version to ``model``'s
    version (created as ZenML creates it: a new version without ``version=``, and the
    model when it does not exist), or inside a step to the step's model version;
    ``model.get_artifact(name)`` then finds it."""
    if model is None:
        try:
            model = get_step_context().model
        except RuntimeError:  # outside a step, or a step without a model (StepContextError)
            model = None
        if model is None:
            raise RuntimeError(
                "`link_artifact_to_model` called without `model` parameter and configured "
                "model context cannot be identified. Consider passing the `model` "
                "explicitly or configuring it in @step or @pipeline decorator."
            )
    elif model._doc is None:  # as ZenML's _get_or_create_model_version: no version= is a
        model._create_version(model._artifacts())  # new one, a new model's first
    model.link_artifact(artifact_version)
