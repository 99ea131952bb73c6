"""Glyph coverage: which characters of a text the card fonts cannot draw."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

# Ranges every card font chain starts with (Noto Sans: Latin, Greek, Cyrillic, punctuation,
# currency): text within them needs no look-up in the fonts' tables.
COMMON = ((0x20, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x2000, 0x206F), (0x20A0, 0x20BF))


def common(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in COMMON)


@cache
def covered(font_path: Path) -> frozenset[int]:
    """The code points a font has glyphs for (its cmap)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(font_path), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def missing_glyphs(text: str, fonts: list[Path]) -> list[str]:
    """Characters of `text` that none of `fonts` can draw (spaces and controls aside),
    in order of first appearance."""
    rare = {c for c in set(text) if not common(c) and not c.isspace()}
    rare = {c for c in rare if not unicodedata.category(c).startswith("C")}
    for path in fonts:  # the fonts' tables are read only while characters are left
        if not rare:
            break
        rare -= {chr(code) for code in covered(path) if chr(code) in rare}
    return [char for char in dict.fromkeys(text) if char in rare]


def describe(chars: list[str], limit: int = 8) -> str:
    shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in chars[:limit])
    more = f" and {len(chars) - limit} more" if len(chars) > limit else ""
    return shown + more
