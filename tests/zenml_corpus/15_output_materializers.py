# docs: choose a materializer explicitly with output_materializers.
import os
from typing import Any, Type

from dagwell import pipeline, step
from dagwell.io import fileio
from dagwell.materializers.base_materializer import BaseMaterializer


class Report:
    def __init__(self, text: str):
        self.text = text


class ReportMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = ()  # used only where a step names it

    def save(self, data: Report) -> None:
        with fileio.open(os.path.join(self.uri, "report.md"), "w") as f:
            f.write(data.text)

    def load(self, data_type: Type[Any]) -> Report:
        with fileio.open(os.path.join(self.uri, "report.md")) as f:
            return Report(f.read())


@step(output_materializers=ReportMaterializer)
def make_report() -> Report:
    return Report("# all good")


@pipeline
def report_pipeline():
    make_report()


if __name__ == "__main__":
    run = report_pipeline()
    artifact = run.steps["make_report"].output
    assert artifact.load().text == "# all good"
