"""Fonts with fallbacks: each character drawn by the first font of a chain that has it.

The chain is the theme's font, then Noto Sans Arabic and Hebrew, then Droid Sans Fallback
(Chinese, Japanese, Korean), all shipped in assets/fonts. Right-to-left runs are shaped by
Pillow's raqm layout when the wheel has it, else reshaped (arabic-reshaper) and put in visual
order (python-bidi) here, so Arabic letters join and Hebrew reads right to left either way.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from PIL import ImageDraw, ImageFont, features

from narrate.pictures.glyphs import common, covered

Box = tuple[int, int, int, int]
RAQM = features.check("raqm")


@cache
def font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if RAQM else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, layout_engine=engine)


def is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def visual(text: str) -> str:
    """Without raqm: Arabic letters in their joined forms, the run in visual order."""
    if RAQM or not is_rtl(text):
        return text
    import arabic_reshaper
    from bidi.algorithm import get_display

    return str(get_display(arabic_reshaper.reshape(text)))


class FontChain:
    """Measures and draws text with the first font of `paths` that has each character."""

    def __init__(self, paths: tuple[Path, ...], size: int) -> None:
        self.paths = paths
        self.size = size
        self._fonts: dict[int, ImageFont.FreeTypeFont] = {}

    def face(self, index: int) -> ImageFont.FreeTypeFont:
        """The chain's index-th font, loaded when first needed."""
        if index not in self._fonts:
            self._fonts[index] = font(self.paths[index], self.size)
        return self._fonts[index]

    def getmetrics(self) -> tuple[int, int]:
        return self.face(0).getmetrics()

    def pick(self, char: str) -> int:
        """The first font that has `char` (the first font if none has it)."""
        if common(char):
            return 0
        for index, path in enumerate(self.paths):
            if ord(char) in covered(path):
                return index
        return 0

    def has(self, index: int, char: str) -> bool:
        return (index == 0 and common(char)) or ord(char) in covered(self.paths[index])

    def runs(self, text: str) -> list[tuple[ImageFont.FreeTypeFont, str]]:
        """Consecutive characters drawn by one font; spaces and punctuation stay in the run
        they are in when that font has them, so a right-to-left line stays one run."""
        runs: list[tuple[int, str]] = []
        for char in text:
            neutral = unicodedata.category(char)[0] in "ZP"
            if runs and neutral and self.has(runs[-1][0], char):
                runs[-1] = (runs[-1][0], runs[-1][1] + char)
                continue
            index = self.pick(char)
            if runs and runs[-1][0] == index:
                runs[-1] = (index, runs[-1][1] + char)
            else:
                runs.append((index, char))
        return [(self.face(index), visual(part)) for index, part in runs]

    def getlength(self, text: str) -> float:
        return sum(face.getlength(part) for face, part in self.runs(text))


@cache
def chain(paths: tuple[Path, ...], size: int) -> FontChain:
    return FontChain(paths, size)


def draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    face: FontChain,
    fill: str,
    anchor: str = "la",
) -> Box:
    """Draw `text` with its font chain; anchor as Pillow's (l/m/r, then a/m/s/d).
    Returns the ink box of what was drawn."""
    width = face.getlength(text)
    x = xy[0] - {"l": 0.0, "m": width / 2, "r": width}[anchor[0]]
    # One baseline for every run, set by the chain's first font, so scripts line up.
    ascent, descent = face.getmetrics()
    baseline = xy[1] + {"a": ascent, "m": (ascent - descent) / 2, "s": 0, "d": -descent}[anchor[1]]
    boxes = []
    for part_font, part in face.runs(text):
        position = (x, baseline)
        draw.text(position, part, font=part_font, fill=fill, anchor="ls")
        boxes.append(draw.textbbox(position, part, font=part_font, anchor="ls"))
        x += part_font.getlength(part)
    if not boxes:
        return (round(xy[0]), round(xy[1]), round(xy[0]), round(xy[1]))
    return (
        round(min(b[0] for b in boxes)),
        round(min(b[1] for b in boxes)),
        round(max(b[2] for b in boxes)),
        round(max(b[3] for b in boxes)),
    )
