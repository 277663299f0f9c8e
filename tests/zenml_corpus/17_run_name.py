# docs: custom run names with placeholders.
from dagwell import pipeline, step


@step
def s() -> int:
    return 1


@pipeline(substitutions={"experiment": "baseline"})
def named_pipeline():
    s()


if __name__ == "__main__":
    run = named_pipeline.with_options(run_name="training_{experiment}_{date}_{time}")()
    assert run.name.startswith("training_baseline_"), run.name
