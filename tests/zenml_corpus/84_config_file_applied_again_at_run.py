# ZenML 0.98's order for a run configuration file (zenml/pipelines/pipeline_definition.py:
# with_options(config_path=...) configures from the file, and _compile applies the file
# again when the run starts): what the file sets wins over configure()/with_options()
# calls made after it (or with it), dicts key by key, with a warning; what only the code
# sets stays; the run name the file gives is the run's. Passes on ZenML 0.98.
import os
import tempfile

from dagwell import pipeline, step
from dagwell.client import Client


@step
def echo(x: int) -> int:
    return x


@pipeline(enable_cache=False)
def configured(x: int = 0):
    echo(x=x)


CONFIG = """\
extra:
  who: file
  only_file: 1
run_name: from_file_{date}_{time}
parameters:
  x: 1
"""

if __name__ == "__main__":
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "config.yaml")
    with open(path, "w") as f:
        f.write(CONFIG)
    client = Client()

    later = configured.with_options(config_path=path)
    later.configure(extra={"who": "code", "only_code": 2}, parameters={"x": 5})
    assert later.configuration.extra["who"] == "code"  # as configured, until a run starts
    run = client.get_pipeline_run(later().id)
    assert dict(run.config.extra) == {"who": "file", "only_file": 1, "only_code": 2}
    assert run.steps["echo"].output.load() == 1
    assert run.name.startswith("from_file_")

    given = configured.with_options(config_path=path, extra={"who": "code", "only_code": 2})
    run = client.get_pipeline_run(given().id)
    assert dict(run.config.extra) == {"who": "file", "only_file": 1, "only_code": 2}

    plain = configured.with_options(extra={"who": "code"})  # no file: the code's, as given
    plain.configure(extra={"more": 3})
    run = client.get_pipeline_run(plain().id)
    assert dict(run.config.extra) == {"who": "code", "more": 3}
