"""Small, safe previews of a step's outputs: JSON-ish values, table heads, array shapes.

A value larger than ``MAX_LOAD`` bytes is not loaded at all; what is shown is cut to a few
rows or characters. The templates escape everything this returns.
"""

from __future__ import annotations

import json
from typing import Any

from dagwell.artifact_store import scratch
from dagwell.core.records import StepRun
from dagwell.core.units import format_bytes

MAX_LOAD = 20 * 2**20
MAX_CHARS = 2000
MAX_ROWS = 10


def preview(step: StepRun, name: str) -> dict[str, Any]:
    """{"kind": "text"|"table"|"note", ...} describing output ``name`` of ``step``."""
    ref = step.output_refs[name]
    if ref.size > MAX_LOAD:
        return {"kind": "note", "text": f"{format_bytes(ref.size)}: too large to preview"}
    with scratch.scope():  # a loaded Path's folder goes with the preview
        try:
            value = step.outputs[name][0].load()
        except Exception as error:
            return {"kind": "note", "text": f"could not load: {type(error).__name__}: {error}"}
        return describe(value)


def describe(value: Any) -> dict[str, Any]:
    shape = getattr(value, "shape", None)
    module = type(value).__module__
    if module.startswith("pandas") and shape is not None and hasattr(value, "columns"):
        head = value.head(MAX_ROWS)
        return {
            "kind": "table",
            "caption": f"DataFrame {shape[0]} rows x {shape[1]} columns",
            "columns": [str(c) for c in head.columns],
            "rows": [[str(v) for v in row] for row in head.itertuples(index=False)],
        }
    if module.startswith("numpy") and shape is not None:
        return {"kind": "text", "text": f"ndarray shape {tuple(shape)}, dtype {value.dtype}"}
    try:
        text = json.dumps(value, indent=2, default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS] + f"\n... ({len(text) - MAX_CHARS} more characters)"
    return {"kind": "text", "text": text}
