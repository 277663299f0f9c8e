"""ZenML 0.98's deprecated metadata functions, still exported by ``zenml`` and still in
real code: ``log_artifact_metadata``, ``log_model_metadata`` and ``log_step_metadata``.

Each warns, as ZenML's does, and does what ZenML's does through :func:`log_metadata`
(zenml/artifacts/utils.py, zenml/model/utils.py, zenml/steps/utils.py), so that a project
importing them runs unchanged and is told what to write instead.
"""

from __future__ import annotations

from typing import Any

from dagwell.api.artifacts import log_metadata
from dagwell.core.context import current_step
from dagwell.logger import get_logger

log = get_logger(__name__)


def log_artifact_metadata(
    metadata: dict[str, Any],
    artifact_name: str | None = None,
    artifact_version: str | None = None,
) -> None:
    """Metadata for an output of the running step (by name, or its only output), or for
    an artifact version by name (and version; the latest without one)."""
    log.warning(
        "The `log_artifact_metadata` function is deprecated (as in ZenML); use "
        "`log_metadata(metadata={...}, infer_artifact=True)` inside a step, or "
        "`log_metadata(metadata={...}, artifact_name=..., artifact_version=...)`."
    )
    if artifact_name and artifact_version:
        log_metadata(metadata, artifact_name=artifact_name, artifact_version=artifact_version)
        return
    info = current_step()
    if info is not None and (artifact_name in info.outputs or len(info.outputs) == 1):
        output = artifact_name if artifact_name in info.outputs else info.outputs[0]
        log_metadata(metadata, artifact_name=output, infer_artifact=True)
    elif artifact_name:
        from dagwell.api.client import Client

        version = Client().get_artifact_version(artifact_name)
        log_metadata(metadata, artifact_version_id=version.id)
    else:
        raise ValueError(
            "You need to call `log_artifact_metadata` either within a step (potentially "
            "with an artifact name) or outside of a step with an artifact name (and/or "
            "version)."
        )


def log_model_metadata(
    metadata: dict[str, Any],
    model_name: str | None = None,
    model_version: Any = None,
) -> None:
    """Metadata for a model version by name and version, or the running step's."""
    log.warning(
        "The `log_model_metadata` function is deprecated (as in ZenML); use "
        "`log_metadata(metadata={...}, infer_model=True)` inside a step, or "
        "`log_metadata(metadata={...}, model_name=..., model_version=...)`."
    )
    if model_name and model_version is not None:
        log_metadata(metadata, model_name=model_name, model_version=model_version)
    elif model_name is None and model_version is None:
        log_metadata(metadata, infer_model=True)
    else:
        raise ValueError(
            "You can call `log_model_metadata` by either providing both `model_name` and "
            "`model_version` or keeping both of them None."
        )


def log_step_metadata(
    metadata: dict[str, Any],
    step_name: str | None = None,
    pipeline_name_id_or_prefix: str | None = None,
    run_id: str | None = None,
) -> None:
    """Metadata for the running step, or step ``step_name`` of a run (``run_id``) or of
    a pipeline's latest run."""
    log.warning(
        "The `log_step_metadata` function is deprecated (as in ZenML); use `log_metadata` "
        "instead (inside a step: `log_metadata(metadata={...})`)."
    )
    info = current_step()
    if info is not None and (step_name is None or step_name == info.step_id):
        log_metadata(metadata)
        return
    if not step_name:
        raise ValueError(
            "No step name provided and you are not running within a step. Please provide "
            "a step name."
        )
    if run_id is None:
        if not pipeline_name_id_or_prefix:
            raise ValueError(
                "No pipeline name or ID provided and you are not running within a step. "
                "Please provide a pipeline name or ID, or provide a run ID."
            )
        from dagwell.api.client import Client

        last = Client().get_pipeline(pipeline_name_id_or_prefix).last_run
        run_id = last.id
    log_metadata(metadata, step_name=step_name, run_id_name_or_prefix=run_id)
