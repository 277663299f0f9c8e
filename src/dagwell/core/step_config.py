"""What a run or step run was configured with, read back: ZenML's ``.config``
(StepConfig), recorded settings as objects,
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dagwell.core.artifact_views import Tag
from dagwell.core.output_config import OutputConfig


class SettingsView(dict[str, Any]):
    """A recorded settings object read back: its fields as attributes and keys
    (``run.config.settings["resources"].memory``), ``model_dump()`` like ZenML's."""

    def __getattr__(self, name: str) -> Any:
        try:
            value = self[name]
        except KeyError:
            raise AttributeError(name) from None
        return SettingsView(value) if isinstance(value, dict) else value

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return dict(self)


@dataclass(frozen=True)
class StepConfig:
    """ZenML's ``step_run.config`` / ``pipeline_run.config``: the parameters, the
    configured ``enable_cache`` (None when not set, as in ZenML), the settings, the
    substitutions names were formatted with (``date`` and ``time`` among them), the
    ``extra=`` given and (a run's) the pipeline's ``tags``: a name as given, a Tag as a
    tag with its ``.name``."""

    name: str
    parameters: dict[str, Any]
    enable_cache: bool | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    substitutions: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    tags: list[Any] = field(default_factory=list)
    # (a step run's) each output's materializer and ArtifactConfig: dagwell.core.output_config
    outputs: dict[str, OutputConfig] = field(default_factory=dict)


def make_config(name: str, params: dict[str, Any], recorded: dict[str, Any]) -> StepConfig:
    """A StepConfig from the parameters and a recorded config (see core.plan StepSpec)."""
    settings = {
        k: SettingsView(v) if isinstance(v, dict) else v
        for k, v in (recorded.get("settings") or {}).items()
    }
    substitutions = dict(recorded.get("substitutions") or {})
    extra = dict(recorded.get("extra") or {})
    tags = [
        t["name"]
        if t.get("exclusive") is None
        else Tag(t["name"], bool(t["exclusive"]), t.get("color"))
        for t in recorded.get("tags") or []
    ]
    return StepConfig(
        name, dict(params), recorded.get("enable_cache"), settings, substitutions, extra, tags
    )
