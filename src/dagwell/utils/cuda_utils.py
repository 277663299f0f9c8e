"""``dagwell.utils.cuda_utils``: ZenML's ``cleanup_gpu_memory``, which GPU training steps
in real projects call between phases (zenml/utils/cuda_utils.py, same behaviour)."""

from __future__ import annotations

import gc

from dagwell.logger import get_logger

__all__ = ["cleanup_gpu_memory"]

log = get_logger(__name__)


def cleanup_gpu_memory(force: bool = False) -> None:
    """Empty PyTorch's CUDA cache until garbage collection frees nothing more; only with
    ``force=True``, since it affects every process using the GPUs of this machine."""
    if not force:
        log.warning(
            "This will clean up all GPU memory on current physical machine. This action "
            "is considered to be dangerous by default, since it might affect other "
            "processes running in the same environment. If this is intended, please "
            "explicitly pass `force=True`."
        )
        return
    try:
        import torch  # type: ignore[import-not-found]
    except ModuleNotFoundError:
        log.warning("No PyTorch installed. Skipping GPU memory cleanup.")
        return
    log.info("Cleaning up GPU memory...")
    while gc.collect():
        torch.cuda.empty_cache()
