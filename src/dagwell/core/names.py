"""Names users write, and the safe keys derived from them for files, cgroups and keys.

A step id or pipeline name may hold spaces, accents (``def étape``), slashes, ``..`` or
be 150 characters long; every place that turns it into a path component (log files,
artifact-store manifest keys, cgroup directories) goes through :func:`safe_key`, so any
such name works end to end and two names never share a key. Kubernetes pod names have
their own, stricter form (``kubernetes.pods.pod_name``). What cannot be a name at all
(empty, longer than MAX_NAME, or with control characters such as a newline) is refused
when the pipeline is written, by :func:`check_name`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from dagwell.core.errors import DefinitionError

_SAFE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}$")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_.\-]+")
_STEM = 40
MAX_NAME = 150  # characters: the store's name columns hold 200, run names add a suffix
MAX_RUN_NAME = 200  # characters: a run's name, as given (run_name=) and filled in


def safe_key(name: str) -> str:
    """``name`` itself when it is already a safe path component (letters, digits, ``_.-``,
    not starting with a dot, at most 64 characters); otherwise a readable ASCII stem plus
    a hash of the exact name, e.g. ``'étape 1/2'`` -> ``'etape_1_2-3f9c0a1b'``."""
    if _SAFE.match(name):
        return name
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = _UNSAFE_CHARS.sub("_", ascii_name).strip("._-")[:_STEM] or "x"
    return f"{stem}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


#: Format characters that reorder what a terminal shows (a name could pass for another).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _not_printable(c: str) -> bool:
    """A control, surrogate, private or unassigned character, or a bidirectional control;
    other format characters are text (the zero-width joiner of emoji sequences: 🧑‍🔬)."""
    kind = unicodedata.category(c)
    return (kind.startswith("C") and kind != "Cf") or c in _BIDI_CONTROLS


def check_name(name: object, what: str, longest: int = MAX_NAME) -> str:
    """Refuse what cannot be a name: not a string, empty, longer than ``longest``, or
    holding control characters."""
    if not isinstance(name, str) or not name.strip():
        raise DefinitionError(f"{what} {name!r} is not a valid name: use a non-empty string.")
    if len(name) > longest:
        raise DefinitionError(
            f"{what} {name[:40]!r}... is {len(name)} characters long; use at most {longest} "
            f"(the run store keeps a name in {MAX_RUN_NAME}, and a run named after its "
            "pipeline adds 25 to the pipeline's)."
        )
    bad = sorted({repr(c) for c in name if _not_printable(c)})
    if bad:
        raise DefinitionError(
            f"{what} {name!r} holds control characters ({', '.join(bad)}); use printable "
            "characters (letters, digits, spaces, punctuation)."
        )
    return name
