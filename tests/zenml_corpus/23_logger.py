# docs: logging from a step with ZenML's logger.
from dagwell import pipeline, step
from dagwell.logger import get_logger

logger = get_logger(__name__)


@step
def log_step(n: int = 3) -> int:
    for i in range(n):
        logger.info("processing batch %d", i)
    print("done")
    return n


@pipeline
def logging_pipeline():
    log_step()


if __name__ == "__main__":
    run = logging_pipeline()
    assert run.steps["log_step"].output.load() == 3
