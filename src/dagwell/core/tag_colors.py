"""ZenML's tag colors (``ColorVariants``): what ``Tag(color=...)``, ``create_tag(color=)``
and ``update_tag(color=)`` take and ``tag.color`` gives back.

ZenML gives a tag made without one a random color; dagwell's is chosen from its name, so
one tag has one color in every home and every listing, and never a random test.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any


class ColorVariants(StrEnum):
    GREY = "grey"
    PURPLE = "purple"
    RED = "red"
    GREEN = "green"
    YELLOW = "yellow"
    ORANGE = "orange"
    LIME = "lime"
    TEAL = "teal"
    TURQUOISE = "turquoise"
    MAGENTA = "magenta"
    BLUE = "blue"


def tag_color(value: Any, where: str) -> str | None:
    """``value`` as a color's name (None for none given); a ValueError naming the colors
    for anything else, as ZenML's validation refuses it."""
    if value is None:
        return None
    try:
        return ColorVariants(str(getattr(value, "value", value)).lower()).value
    except ValueError:
        colors = ", ".join(c.value for c in ColorVariants)
        raise ValueError(f"{where}: {value!r} is not a tag color; use one of {colors}.") from None


def default_color(name: str) -> ColorVariants:
    """The color of tag ``name`` when it was made without one."""
    colors = list(ColorVariants)
    return colors[hashlib.sha256(name.encode()).digest()[0] % len(colors)]


def color_of(name: str, recorded: str | None) -> ColorVariants:
    """The tag's color: the recorded one, else its name's."""
    return ColorVariants(recorded) if recorded else default_color(name)
