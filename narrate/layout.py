"""Text that fits: wrap to a width, shrink until it fits a box, break over-long words."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from narrate.fonts import FontChain, chain

ELLIPSIS = "…"


@dataclass(frozen=True)
class FittedText:
    font: FontChain
    lines: list[str]
    line_height: int

    @property
    def height(self) -> int:
        return self.line_height * (len(self.lines) - 1) + text_height(self.font)


def text_height(face: FontChain) -> int:
    """One line's full height, ascender to descender."""
    ascent, descent = face.getmetrics()
    return ascent + descent


def wrap(text: str, face: FontChain, width: int) -> list[str]:
    """Greedy word wrap by measured width; a word wider than the line is split by characters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if face.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while face.getlength(word) > width:
            cut = longest_prefix(word, face, width)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def longest_prefix(word: str, face: FontChain, width: int) -> int:
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if face.getlength(word[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def fit(
    text: str,
    font_paths: tuple[Path, ...],
    width: int,
    height: int,
    max_size: int,
    min_size: int,
    line_spacing: float,
    max_lines: int | None = None,
) -> FittedText:
    """The largest size (max_size down to min_size) at which `text` fits the box.

    At min_size, text that still does not fit is cut after the last line that fits and
    ends with an ellipsis, so nothing is ever drawn outside the box.
    """
    size = max_size
    while True:
        face = chain(font_paths, size)
        line_height = round(size * line_spacing)
        lines = wrap(text, face, width)
        allowed = max(1, 1 + (height - text_height(face)) // line_height)
        if max_lines is not None:
            allowed = min(allowed, max_lines)
        if len(lines) <= allowed:
            return FittedText(face, lines, line_height)
        if size <= min_size:
            return FittedText(face, truncate(lines[:allowed], face, width), line_height)
        size = max(min_size, int(size * 0.92))


def truncate(lines: list[str], face: FontChain, width: int) -> list[str]:
    last = lines[-1]
    while last and face.getlength(last + ELLIPSIS) > width:
        last = last[:-1].rstrip()
    return [*lines[:-1], last + ELLIPSIS]


def clip(text: str, face: FontChain, width: int) -> str:
    """One line of text, cut with an ellipsis when wider than `width`."""
    return text if face.getlength(text) <= width else truncate([text], face, width)[0]
