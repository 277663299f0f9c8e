# ZenML's own integration test of pipeline models (tests/integration/functional/models/
# test_pipeline.py: test_pipeline_run_linkage), in ZenML 0.98's decorator style: the
# registered pipeline's `get_runs()` (its runs, newest first, with list_pipeline_runs'
# filters and paging), `num_runs`, `runs`, `last_run` and `last_successful_run` agree, also
# across two versions of one pipeline (same name, another step); and, from the same
# response (zenml/models/v2/core/pipeline.py), `latest_run_id`, `latest_run_status` and
# `get_hydrated_version()`. Before: "'PipelineView' object has no attribute 'get_runs'".
from dagwell import pipeline, step
from dagwell.client import Client
from dagwell.enums import ExecutionStatus


@step
def constant_int_output_test_step() -> int:
    return 7


@step
def int_plus_one_test_step(input: int) -> int:
    return input + 1


@step
def int_plus_two_test_step(input: int) -> int:
    return input + 2


@pipeline(name="connected_two_step_pipeline")
def pipeline_instance():
    int_plus_one_test_step(constant_int_output_test_step())


@pipeline(name="connected_two_step_pipeline")
def pipeline_instance_2():
    int_plus_two_test_step(constant_int_output_test_step())


if __name__ == "__main__":
    for i in range(3):
        pipeline_instance()
        model = pipeline_instance.model
        runs = model.get_runs()
        assert len(runs) == model.num_runs == i + 1
        assert runs == model.runs
        assert runs[0] == model.last_run == model.last_successful_run

    assert pipeline_instance.model.num_runs == 3

    # Check different versions of the pipeline are using the same model
    pipeline_instance_2()
    assert pipeline_instance.model.num_runs == 4
    assert pipeline_instance_2.model.num_runs == 4
    pipeline_instance()
    assert pipeline_instance.model.num_runs == 5
    assert pipeline_instance_2.model.num_runs == 5
    pipeline_instance_2()
    assert pipeline_instance.model.num_runs == 6
    assert pipeline_instance_2.model.num_runs == 6

    model = Client().get_pipeline("connected_two_step_pipeline")
    newest = model.last_run
    assert model.latest_run_id == newest.id
    assert model.latest_run_status == ExecutionStatus.COMPLETED
    assert model.get_hydrated_version().num_runs == 6
    assert [r.id for r in model.get_runs(size=2)] == [r.id for r in model.runs[:2]]
    oldest = model.get_runs(sort_by="asc:created", size=1)
    assert len(oldest) == 1 and oldest[0].id == model.runs[-1].id
    assert len(model.get_runs(status=ExecutionStatus.COMPLETED)) == 6
    assert newest.pipeline.num_runs == 6
    assert newest.get_hydrated_version() == newest
    assert newest.steps["int_plus_two_test_step"].get_hydrated_version().output.load() == 9
