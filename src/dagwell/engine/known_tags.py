"""What an attempt knows of the run store's tags: each one's ``exclusive``, for its own
``add_tags`` to refuse a mismatch at the call, as ZenML does.

ZenML's ``add_tags(tags=[Tag(name, exclusive=...)])`` inside a step raises ValueError when
the tag exists with the other ``exclusive`` (client.py ``attach_tag``), so the step can
catch it or fail by it. An attempt never reads the run store; the orchestrator reads the
tags once, when it launches the run's first attempt, hands them to each attempt (its step
context's ``known_tags``) and keeps them up to date with what the attempts' manifests tag. A tag
made meanwhile by another process is not known: that step's call goes on, and the run
store keeps the tag as it is (the orchestrator records tags leniently). A home whose tags
take more than :data:`KNOWN_BYTES` as JSON hands none (no check), so no attempt carries a
large map: a pod gets its spec as one argument, and an argument over 128 KiB cannot be
exec'd (500 tags of 200 characters took 105 KB, 120 of 200 CJK characters 143 KB).
"""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger(__name__)

#: The most bytes of tags (as JSON) handed to each attempt.
KNOWN_BYTES = 16 * 1024


class KnownTags:
    def __init__(self) -> None:
        self._tags: dict[str, bool] | None = None
        self._read = False
        self._size: int | None = None

    def snapshot(self, store: Any) -> dict[str, bool] | None:
        """The tags (name -> exclusive), read from ``store`` on first use (one try: an
        outage leaves them unknown, so no attempt's call is refused for want of them)."""
        if not self._read:
            self._read = True
            try:
                with store.one_try():
                    rows = store.tag_rows()
            except Exception as error:  # (any failure to read: the calls go unchecked)
                log.info("the run store's tags are not known to the attempts: %s", error)
                return None
            self._tags = {str(r["name"]): bool(r["exclusive"]) for r in rows}
        if not self._tags or self._bytes() > KNOWN_BYTES:
            return None
        return dict(self._tags)

    def _bytes(self) -> int:
        """The tags' size as an attempt's spec carries them (measured once per change)."""
        if self._size is None:
            self._size = len(json.dumps(self._tags))
        return self._size

    def note(self, changes: list[dict[str, Any]]) -> None:
        """Tags an attempt put on something: one new here is made as it was given."""
        if self._tags is None:
            return
        for change in changes:
            for spec in change.get("add") or []:
                if isinstance(spec, dict) and "name" in spec:
                    self._tags.setdefault(str(spec["name"]), bool(spec.get("exclusive")))
                    self._size = None
