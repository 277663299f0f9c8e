# ZenML's own integration tests of step run models (tests/integration/functional/models/
# test_step_run.py: test_step_run_has_source_code, test_step_run_has_docstring,
# test_step_run_parent_steps_linkage), in ZenML 0.98's decorator style: a recorded step run
# keeps its step's source code and docstring (what `step.source_code` / `step.docstring`
# give, as ZenML's BaseStep has them) and the ids of the step runs it waited for
# (`parent_step_ids`); a step and a pipeline `copy()`. Before: 'StepRun' object has no
# attribute 'source_code' (nor 'docstring', 'parent_step_ids'), and 'Step' object has no
# attribute 'source_code'.
import inspect

from dagwell import pipeline, step
from dagwell.client import Client


@step
def constant_int_output_test_step() -> int:
    """Returns a constant."""
    return 7


@step
def int_plus_one_test_step(input: int) -> int:
    return input + 1


@step
def side_effect_test_step() -> None:
    print("side effect")


@pipeline
def connected_two_step_pipeline():
    side_effect_test_step()
    int_plus_one_test_step(constant_int_output_test_step(), after="side_effect_test_step")


if __name__ == "__main__":
    connected_two_step_pipeline()
    client = Client()
    pipeline_run = client.get_pipeline("connected_two_step_pipeline").runs[0]
    step_1 = pipeline_run.steps["constant_int_output_test_step"]
    step_2 = pipeline_run.steps["int_plus_one_test_step"]

    # test_step_run_has_source_code
    assert step_1.source_code == inspect.getsource(constant_int_output_test_step.entrypoint)
    assert step_2.source_code == inspect.getsource(int_plus_one_test_step.entrypoint)
    assert constant_int_output_test_step.source_code == step_1.source_code
    assert step_1.source_code.startswith("@step\ndef constant_int_output_test_step")

    # test_step_run_has_docstring
    assert step_1.docstring == constant_int_output_test_step.entrypoint.__doc__
    assert step_2.docstring == int_plus_one_test_step.entrypoint.__doc__ is None
    assert constant_int_output_test_step.docstring == "Returns a constant."

    # test_step_run_parent_steps_linkage
    assert step_1.parent_step_ids == []
    parents = {client.get_run_step(i).name for i in step_2.parent_step_ids}
    assert parents == {"constant_int_output_test_step", "side_effect_test_step"}
    assert step_1.id in step_2.parent_step_ids

    # a cached run keeps them too
    connected_two_step_pipeline()
    again = connected_two_step_pipeline.model.last_run
    assert again.steps["constant_int_output_test_step"].status == "cached"
    assert again.steps["constant_int_output_test_step"].docstring == "Returns a constant."
    assert again.steps["int_plus_one_test_step"].docstring is None
    copied = int_plus_one_test_step.copy()
    assert copied is not int_plus_one_test_step and copied.name == "int_plus_one_test_step"
    assert copied.entrypoint(1) == 2
    assert connected_two_step_pipeline.copy().name == "connected_two_step_pipeline"
