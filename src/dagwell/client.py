"""``dagwell.client``: the Client and the read models of a run (ZenML's module path)."""

from dagwell.api.client import Client
from dagwell.core.records import Attempt, PipelineRun, StepRun

__all__ = ["Attempt", "Client", "PipelineRun", "StepRun"]
