"""Sizes and durations: one parser/checker for every place one is written, one formatter.

Both spellings users bring are accepted: the decimal "400MB"/"4GB" of ZenML-style
settings and the Kubernetes quantities "512Mi"/"4Gi". A bad string is a ConfigError that
shows accepted examples, raised when the setting is created, never at run time.
"""

from __future__ import annotations

import math
import re

from dagwell.core.errors import ConfigError

_DECIMAL = {
    "": 1,
    "B": 1,
    "K": 10**3,
    "KB": 10**3,
    "M": 10**6,
    "MB": 10**6,
    "G": 10**9,
    "GB": 10**9,
    "T": 10**12,
    "TB": 10**12,
    "P": 10**15,
    "PB": 10**15,
}
_BINARY = {
    "KI": 2**10,
    "KIB": 2**10,
    "MI": 2**20,
    "MIB": 2**20,
    "GI": 2**30,
    "GIB": 2**30,
    "TI": 2**40,
    "TIB": 2**40,
    "PI": 2**50,
    "PIB": 2**50,
}
_UNITS = {**_DECIMAL, **_BINARY}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")
_EXAMPLES = "'400MB', '4GB', '512Mi' or '4Gi'"


def parse_memory(value: str | int, *, what: str = "memory") -> int:
    """Return the size in bytes of ``value`` ("400MB", "4Gi", or an int of bytes)."""
    if isinstance(value, bool):
        raise ConfigError(f"Invalid {what} {value!r}: use a size like {_EXAMPLES}.")
    if isinstance(value, int):
        if value <= 0:
            raise ConfigError(
                f"Invalid {what} {value!r}: a size must be positive, like {_EXAMPLES}."
            )
        return value
    if not isinstance(value, str):
        raise ConfigError(
            f"Invalid {what} {value!r} ({type(value).__name__}): use a string like {_EXAMPLES}."
        )
    match = _PATTERN.match(value)
    if match is None:
        raise ConfigError(
            f"Invalid {what} {value!r}: expected a positive number and a unit, like {_EXAMPLES}."
        )
    number, unit = match.groups()
    if unit == "m":  # a Kubernetes quantity's "m" is milli: 0.001 byte is never meant
        raise ConfigError(
            f"Invalid {what} {value!r}: in Kubernetes quantities 'm' means milli (a "
            f"thousandth of a byte). Write '{number}M' (megabytes) or '{number}Mi' (mebibytes)."
        )
    factor = _UNITS.get(unit.upper())
    if factor is None:
        known = "B, KB, MB, GB, TB, PB, Ki, Mi, Gi, Ti, Pi (and KiB, MiB, GiB, ...)"
        raise ConfigError(
            f"Invalid {what} {value!r}: unknown unit {unit!r}. Use one of {known}, "
            f"like {_EXAMPLES}."
        )
    size = int(float(number) * factor)
    if size <= 0:
        raise ConfigError(f"Invalid {what} {value!r}: a size must be positive, like {_EXAMPLES}.")
    return size


def check_seconds(
    value: object, *, what: str, optional: bool = False, zero: bool = False
) -> float | None:
    """A duration in seconds as written in a public option: a finite number, positive (or
    >= 0 when ``zero``), None only when ``optional``. Anything else is a ConfigError now,
    not a timer that never fires (NaN) or fires at once (negative) at run time."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(
            f"{what} must be a number of seconds, got {value!r} ({type(value).__name__})."
        )
    bound = ">= 0" if zero else "> 0"
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        none = " (or None for no limit)" if optional else ""
        raise ConfigError(
            f"{what} must be a finite number of seconds {bound}{none}, got {value!r}."
        )
    return float(value)


def format_bytes(size: int | None) -> str:
    """Human-readable decimal size: 419430400 -> '419 MB'. None -> '-'."""
    if size is None:
        return "-"
    for unit, factor in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            amount = size / factor
            return f"{amount:.1f} {unit}" if amount < 10 else f"{amount:.0f} {unit}"
    return f"{size} B"


def format_seconds(seconds: float | None) -> str:
    """Compact duration: 0.0123 -> '12ms', 75 -> '1m15s'. None -> '-'."""
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
