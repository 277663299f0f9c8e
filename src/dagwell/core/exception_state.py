"""The attributes of a step's exception, carried from its attempt's process to the caller.

Under ZenML's FAIL_FAST a failed pipeline call raises the step's own exception object, so
code reads what its ``__init__`` set (``error.metric``, ``error.response``). A dagwell step
raises in its own process; the exception itself cannot travel (unpickling an exception
calls its ``__init__`` with its message alone, which a class taking other arguments
refuses), so its instance attributes travel instead, pickled into the attempt's result
manifest, and the caller's error gets them back (see ``RunFailedError.of``). Best effort:
an attribute that does not pickle stays behind, and the largest ones when all of them
would take more than :data:`STATE_MAX`.
"""

from __future__ import annotations

import base64
import io
import pickle
from typing import Any

#: The most pickled attribute bytes a manifest carries (it is read whole by the engine).
STATE_MAX = 256 * 1024


class _TooLarge(Exception):
    pass


class _Capped(io.BytesIO):
    """A buffer that refuses to grow past :data:`STATE_MAX`: pickling a large attribute (a
    data frame on the exception) stops there instead of copying it whole into a failed
    attempt's memory, where running out would be recorded as an OOM kill."""

    def write(self, data: Any) -> int:
        if self.tell() + len(memoryview(data)) > STATE_MAX:
            raise _TooLarge
        return super().write(data)


def _pickled(value: Any) -> bytes:
    buffer = _Capped()
    pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def encode_state(error: BaseException) -> str | None:
    """``error``'s instance attributes, pickled and base64-encoded; None without any."""
    attributes = {k: v for k, v in getattr(error, "__dict__", {}).items() if k[:2] != "__"}
    kept: dict[str, bytes] = {}
    for name, value in attributes.items():
        try:
            kept[name] = _pickled(value)
        except Exception:  # (a lock, a socket, too large: that attribute stays behind)
            continue
    chosen: dict[str, bytes] = {}
    total = 0
    for name, blob in sorted(kept.items(), key=lambda item: len(item[1])):  # smallest first
        if total + len(blob) > STATE_MAX:
            break  # (this one and the larger ones stay behind; the rest travel)
        chosen[name] = blob
        total += len(blob)
    if not chosen:
        return None
    return base64.b64encode(pickle.dumps(chosen, protocol=pickle.HIGHEST_PROTOCOL)).decode()


def decode_state(text: str | None) -> dict[str, Any]:
    """The attributes :func:`encode_state` kept; those that do not unpickle here (a class
    this process cannot import) are left out."""
    if not text:
        return {}
    try:
        kept = pickle.loads(base64.b64decode(text))
    except Exception:
        return {}
    found: dict[str, Any] = {}
    for name, blob in dict(kept).items():
        try:
            found[str(name)] = pickle.loads(blob)
        except Exception:
            continue
    return found
