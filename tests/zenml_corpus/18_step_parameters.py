# docs: configure a step's parameters with with_options.
from dagwell import pipeline, step


@step
def trainer(lr: float = 0.001, epochs: int = 1) -> str:
    return f"lr={lr} epochs={epochs}"


@pipeline
def tuning_pipeline():
    trainer.with_options(parameters={"lr": 0.1, "epochs": 5})()


if __name__ == "__main__":
    run = tuning_pipeline()
    assert run.steps["trainer"].output.load() == "lr=0.1 epochs=5"
    assert run.steps["trainer"].config.parameters == {"lr": 0.1, "epochs": 5}
