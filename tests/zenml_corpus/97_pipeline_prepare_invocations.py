# ZenML 0.98's Pipeline.prepare (as ZenML's own tests of pipeline definitions use it):
# trace the pipeline with its arguments without running it, then read its invocations:
# which step each call is, the parameters given, what it waits for. Nothing runs and no
# model version is made. Before: AttributeError 'Pipeline' object has no attribute
# 'prepare'. Passes on ZenML 0.98.
from dagwell import Model, pipeline, step
from dagwell.client import Client


@step
def load(rows: int) -> list:
    raise AssertionError("prepare runs no step")


@step
def train(data: list, lr: float = 0.1) -> float:
    raise AssertionError("prepare runs no step")


@pipeline(model=Model(name="prepared_model"))
def training(rows: int = 10):
    data = load(rows=rows)
    train(data, lr=0.5)
    train(data, id="train_again", after="train")


if __name__ == "__main__":
    assert not training.is_prepared
    training.prepare(rows=3)
    assert training.is_prepared
    calls = training.invocations
    assert list(calls) == ["load", "train", "train_again"]
    assert calls["load"].step is load and calls["train"].step is train
    assert calls["load"].parameters["rows"] == 3 and calls["train"].parameters["lr"] == 0.5
    assert calls["train"].upstream_steps == {"load"}
    assert calls["train_again"].upstream_steps == {"load", "train"}
    assert len(Client().list_pipeline_runs()) == 0
    try:
        Client().get_model_version("prepared_model")
        raise AssertionError("prepare made a model version")
    except KeyError:
        pass
