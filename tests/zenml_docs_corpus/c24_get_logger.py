# zenml.logger.get_logger as used across ZenML's templates
from zenml import pipeline, step
from zenml.logger import get_logger

logger = get_logger(__name__)


@step
def log_step() -> int:
    logger.info("hello from the step")
    return 7


@pipeline
def logging_pipeline():
    log_step()


if __name__ == "__main__":
    run = logging_pipeline()
    assert run.steps["log_step"].output.load() == 7
