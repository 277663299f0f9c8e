# ZenML's own integration test of its public API (tests/integration/functional/steps/
# test_step_context.py, test_materializer_can_access_step_context), as a script: a
# materializer's save() and load() read get_step_context() (ZenML stores and loads a step's
# artifacts inside its step context). Before: "The step context is only available inside a
# step function" from save().
import json
import os
from typing import Optional, Type

from pydantic import BaseModel

from dagwell import get_step_context, pipeline, step
from dagwell.client import Client
from dagwell.enums import ArtifactType
from dagwell.io import fileio
from dagwell.materializers.base_materializer import BaseMaterializer


class Report(BaseModel):
    name: str
    written_by: Optional[str] = None
    read_by: Optional[str] = None


class ReportMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (Report,)
    ASSOCIATED_ARTIFACT_TYPE = ArtifactType.STATISTICS

    def load(self, data_type: Type[Report]) -> Report:
        with fileio.open(os.path.join(self.uri, "report.json"), "r") as f:
            report = Report(**json.loads(f.read()))
        report.read_by = get_step_context().step_run.name
        return report

    def save(self, data: Report) -> None:
        context = get_step_context()
        data.written_by = f"{context.pipeline.name}/{context.step_run.name}"
        with fileio.open(os.path.join(self.uri, "report.json"), "w") as f:
            f.write(data.model_dump_json())


@step
def write_report() -> Report:
    return Report(name="weekly")


@step
def read_report(report: Report) -> str:
    assert report.read_by == "read_report"
    return report.written_by


@pipeline(name="reports", enable_cache=False)
def reports():
    read_report(write_report.with_options(output_materializers=ReportMaterializer)())


if __name__ == "__main__":
    run = Client().get_pipeline_run(reports().id)
    assert run.steps["read_report"].output.load() == "reports/write_report"
