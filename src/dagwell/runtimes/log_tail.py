"""The exception an attempt's log ends with, for an attempt that left no result manifest.

An attempt reports a failure through its manifest. When it cannot write one (a step that
lowered its own open-file or file-size limit, a full disk, an artifact store gone), the
Python traceback it printed to its log is the only evidence left of why, and "exited with
code 70" alone would send the user guessing at os._exit or native crashes. Only read on
that failure path, and only the log's last few kilobytes.
"""

from __future__ import annotations

import os
import re

TAIL_BYTES = 16 * 1024
MARK = "Traceback (most recent call last):"
#: how a traceback's last line starts: an exception's (dotted) name, then ": message" or nothing
EXCEPTION_LINE = re.compile(r"[A-Za-z_][\w.]*(: |$)")
CHAINED = ("another exception occurred:", "the following exception:")


def last_exception(log_path: str | None) -> tuple[str, str] | None:
    """(the exception's last line, the traceback) at the end of the log, or None."""
    if not log_path:
        return None
    try:
        with open(log_path, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - TAIL_BYTES))
            tail = f.read().decode(errors="replace")
    except OSError:
        return None
    start = tail.rfind(MARK)
    if start < 0:
        return None
    while True:  # a chained exception: the whole chain, as printed, is the evidence
        before = tail[:start].rstrip()
        earlier = tail.rfind(MARK, 0, len(before))
        if earlier < 0 or not before.endswith(CHAINED):
            break
        start = earlier
    text = tail[start:].rstrip()
    lines = text.splitlines()
    last = lines[-1] if lines else ""
    if not EXCEPTION_LINE.match(last):  # cut short (the log could not be written further)
        return None
    return last, text
