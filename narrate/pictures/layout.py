"""Text that fits: wrap to a width, shrink until it fits a box, break over-long words."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from narrate.pictures.fonts import FontChain, chain

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


def wrap(text: str, face: FontChain, width: int, limit: int | None = None) -> list[str]:
    """Greedy word wrap by measured width; a word wider than the line is split by characters.
    With a `limit`, wrapping stops at limit + 1 lines: enough to know the text does not fit
    (a long heading is measured once a size, not wrapped whole at every size).

    No more than width + 1 characters fit `width` pixels (no glyph that shows is narrower
    than a pixel), so a word of thousands of characters is never measured whole: measuring
    goes a character at a time (fonts.FontChain)."""
    lines: list[str] = []
    current = ""
    full = (limit + 1) if limit is not None else None
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width + 1 and face.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while len(lines) != full and (cut := longest_prefix(word, face, width)) < len(word):
            lines.append(word[:cut])
            word = word[cut:]
        if len(lines) == full:
            return lines
        current = word
    if current:
        lines.append(current)
    return lines


def longest_prefix(word: str, face: FontChain, width: int) -> int:
    """The most characters of `word` that fit `width` (at least one, at most width + 1):
    prefixes twice as long each time until one does not fit, then a binary search, so a
    line's worth is measured a few times over, not the whole word."""
    end = min(len(word), width + 1)
    low, high = 1, 2
    while high <= end and face.getlength(word[:high]) <= width:
        low, high = high, 2 * high
    high = min(high - 1, end)
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
    at_word: bool = False,
) -> FittedText:
    """The largest size (max_size down to min_size) at which `text` fits the box.

    At min_size, text that still does not fit is cut after the last line that fits and
    ends with an ellipsis (`at_word`: after the last whole word), so nothing is ever drawn
    outside the box. A glyph's ink may stand out of its advance by a pixel or two at large
    sizes (x, y, f, the ellipsis): lines are kept that much narrower than `width`.
    """
    size = max_size
    while True:
        face = chain(font_paths, size)
        room = max(1, width - max(1, size // 12))
        line_height = round(size * line_spacing)
        allowed = max(1, 1 + (height - text_height(face)) // line_height)
        if max_lines is not None:
            allowed = min(allowed, max_lines)
        lines = wrap(text, face, room, allowed)
        if len(lines) <= allowed:
            return FittedText(face, lines, line_height)
        if size <= min_size:
            cut = truncate(lines[:allowed], face, room, at_word=at_word)
            return FittedText(face, cut, line_height)
        size = max(min_size, int(size * 0.92))


def truncate(
    lines: list[str], face: FontChain, width: int, at_word: bool = False, suffix: str = ""
) -> list[str]:
    """The lines with the last one cut to end with an ellipsis (then `suffix`, a closing
    quotation mark) within `width`; `at_word`: cut after a whole word where there is one."""
    end = ELLIPSIS + suffix
    room = max(1, width - round(face.getlength(end)))
    whole = lines[-1]
    cut = longest_prefix(whole, face, room) if whole else 0  # a long line: not char by char
    last = whole[:cut]
    if at_word and cut < len(whole) and not whole[cut].isspace() and " " in last.strip():
        last = last.rsplit(" ", 1)[0]  # the word the cut fell in goes whole
    last = last.rstrip()
    while last and face.getlength(last + end) > width:
        by_word = at_word and " " in last.strip()
        last = (last.rsplit(" ", 1)[0] if by_word else last[:-1]).rstrip()
    if at_word:
        last = last.rstrip(",;:-–—")  # "the plan,…" reads badly
    return [*lines[:-1], last + end]


def clip(text: str, face: FontChain, width: int) -> str:
    """One line of text, cut with an ellipsis when wider than `width`."""
    return text if face.getlength(text) <= width else truncate([text], face, width)[0]
