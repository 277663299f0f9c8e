# ZenML's docs, "Use failure/success hooks": "A step can also be specified as a local
# user-defined function path (of the form `mymodule.myfile.my_function`). This is
# particularly useful when defining the hooks via a YAML Config"; with the docs' hook that
# reads the step context (step_run.name, step_run.config.parameters, the exception's type).
# The hooks live in a module of the project, named by source in code (on_failure=...,
# on_success=...) and in a run configuration (steps.<id>.success_hook_source,
# failure_hook_source). Before: "on_failure= of step 'my_step' must be a callable (or a
# list of them), got str", and the YAML keys were refused.
import json
import os
import sys
import tempfile
import textwrap

import yaml

from dagwell import pipeline, step

HOOKS = '''
import json
import os

from dagwell import get_step_context


def record(event):
    with open(os.environ["HOOK_LOG"], "a") as f:
        f.write(json.dumps(event) + "\\n")


def on_failure(exception: BaseException):
    context = get_step_context()
    record({
        "hook": "failure",
        "step": context.step_run.name,
        "parameters": context.step_run.config.parameters,
        "exception": type(exception).__name__,
    })


def on_success():
    record({"hook": "success", "step": get_step_context().step_run.name})
'''


# The project's hooks module, importable before the steps below name it (as a project's is)
HOOK_DIR = os.path.join(tempfile.gettempdir(), "corpus_77_project")
os.makedirs(HOOK_DIR, exist_ok=True)
with open(os.path.join(HOOK_DIR, "project_hooks.py"), "w") as f:
    f.write(textwrap.dedent(HOOKS))
sys.path.insert(0, HOOK_DIR)


@step(on_failure="project_hooks.on_failure")
def my_step(some_parameter: int = 1) -> int:
    raise ValueError("My exception")


@step(on_success="project_hooks.on_success")
def my_successful_step() -> int:
    return 1


@step
def configured_step() -> int:
    return 2


@pipeline(enable_cache=False)
def my_pipeline():
    my_successful_step()
    configured_step()
    my_step(some_parameter=3)


@pipeline(enable_cache=False, on_failure="project_hooks.on_failure")
def pipeline_level():
    my_step.with_options(on_failure=None)(some_parameter=4)


def events(log):
    with open(log) as f:
        return sorted((json.loads(line) for line in f), key=lambda e: (e["hook"], e["step"]))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HOOK_LOG"] = log = os.path.join(tmp, "hooks.jsonl")
        config = os.path.join(tmp, "config.yaml")
        with open(config, "w") as f:
            yaml.safe_dump(
                {"steps": {"configured_step": {"success_hook_source": "project_hooks.on_success"}}},
                f,
            )
        try:
            my_pipeline.with_options(config_path=config)()
        except RuntimeError:
            pass
        assert events(log) == [
            {"hook": "failure", "step": "my_step", "parameters": {"some_parameter": 3},
             "exception": "ValueError"},
            {"hook": "success", "step": "configured_step"},
            {"hook": "success", "step": "my_successful_step"},
        ], events(log)

        os.remove(log)
        try:
            pipeline_level()
        except RuntimeError:
            pass
        assert events(log) == [
            {"hook": "failure", "step": "my_step", "parameters": {"some_parameter": 4},
             "exception": "ValueError"},
        ], events(log)
