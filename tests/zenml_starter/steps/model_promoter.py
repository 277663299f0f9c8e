from zenml import get_step_context, step
from zenml.logger import get_logger

logger = get_logger(__name__)


@step
def model_promoter(accuracy: float, stage: str = "production") -> bool:
    is_promoted = False
    if accuracy < 0.8:
        logger.info(f"Model accuracy {accuracy * 100:.2f}% is below 80% ! Not promoting model.")
    else:
        logger.info(f"Model promoted to {stage}!")
        is_promoted = True
        current_model = get_step_context().model
        current_model.set_stage(stage, force=True)
    return is_promoted
