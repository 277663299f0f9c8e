"""ZenML's ``environment=`` of a step or pipeline: variables set while the step runs.

``@step(environment={"HF_HOME": "/cache"})`` and ``@pipeline(environment=...)`` (the
step's over the pipeline's, as ZenML merges them) reach the attempt in its step context;
they are set around the whole attempt (its inputs' loading, the step, its outputs'
saving), as ZenML's step runner sets them around the step, and put back as they were
after it (an in-process attempt shares its orchestrator's environment).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def step_environment(context: dict[str, Any] | None) -> Iterator[None]:
    wanted = {str(k): str(v) for k, v in ((context or {}).get("environment") or {}).items()}
    before = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
