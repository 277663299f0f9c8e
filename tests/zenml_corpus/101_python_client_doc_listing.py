# ZenML 0.98's Python Client reference page (docs/book/reference/python-client.md): "fetch
# the last 10 pipeline runs that you ran yourself on the stack that you have currently
# set", by the active stack's and user's ids (user= as 0.98's list_pipeline_runs names
# it), and the local store's single `default` user. Also a run found again by the id its
# orchestrator knows it by. Before: Client().active_stack_model and stack_id= were
# refused, get_user/list_users missing, orchestrator_run_id= refused. Passes on ZenML 0.98.
from dagwell import pipeline, step
from dagwell.client import Client


@step
def s() -> int:
    return 1


@pipeline(enable_cache=False)
def first_pipeline():
    s()


if __name__ == "__main__":
    runs = [first_pipeline() for _ in range(3)]
    client = Client()
    my_runs_on_current_stack = client.list_pipeline_runs(
        stack_id=client.active_stack_model.id,  # on current stack
        user=client.active_user.id,  # ran by you
        sort_by="desc:start_time",  # last 10
        size=10,
    )
    names = [pipeline_run.name for pipeline_run in my_runs_on_current_stack]
    assert names == [r.name for r in reversed(runs)], names
    assert client.get_user("default").name == "default"
    assert [u.name for u in client.list_users()] == ["default"]
    run = client.get_pipeline_run(runs[1].id)
    assert run.stack.id == client.active_stack_model.id
    found = client.list_pipeline_runs(orchestrator_run_id=run.orchestrator_run_id)
    assert [r.id for r in found] == [run.id]
