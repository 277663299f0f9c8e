# docs: with_options(steps=...) and configure() per step id.
from dagwell import pipeline, step


@step
def scale(x: int, factor: int = 1) -> int:
    return x * factor


@pipeline(enable_cache=False)
def scaling_pipeline():
    a = scale(1)
    scale(a, id="second")


if __name__ == "__main__":
    configured = scaling_pipeline.with_options(
        steps={"scale": {"parameters": {"factor": 3}}, "second": {"parameters": {"factor": 7}}}
    )
    run = configured()
    assert run.steps["second"].output.load() == 21
    scaling_pipeline.configure(enable_cache=False, steps={"second": {"parameters": {"factor": 2}}})
    assert scaling_pipeline().steps["second"].output.load() == 2
