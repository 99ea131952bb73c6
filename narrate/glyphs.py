"""Glyph coverage: which characters of a text the card fonts cannot draw."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path


@cache
def covered(font_path: Path) -> frozenset[int]:
    """The code points a font has glyphs for (its cmap)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(font_path), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def missing_glyphs(text: str, fonts: list[Path]) -> list[str]:
    """Characters of `text` that none of `fonts` can draw (spaces and controls aside),
    in order of first appearance."""
    have = frozenset().union(*(covered(path) for path in fonts))
    missing: dict[str, None] = {}
    for char in text:
        if ord(char) in have or char.isspace() or unicodedata.category(char).startswith("C"):
            continue
        missing[char] = None
    return list(missing)


def describe(chars: list[str], limit: int = 8) -> str:
    shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in chars[:limit])
    more = f" and {len(chars) - limit} more" if len(chars) > limit else ""
    return shown + more
