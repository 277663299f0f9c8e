# docs.zenml.io how-to/pipeline-development/build-pipelines/name-your-pipeline-runs
from zenml import pipeline, step


@step
def s() -> int:
    return 1


@pipeline
def named_pipeline():
    s()


if __name__ == "__main__":
    run = named_pipeline.with_options(
        run_name="run_{experiment}_{date}", substitutions={"experiment": "a1"}
    )()
    assert run.name.startswith("run_a1_"), run.name
