"""What every card and panel is drawn on: the theme's background, its safe area, the caption
zone kept free, the brand logo in the top right corner, and a few drawing helpers.

The safe area is the theme's margins; on a vertical video (taller than wide) it also keeps
out of the bottom fifth and the right edge, where short-video apps put their own buttons
(theme `portrait_margin_bottom`, `portrait_margin_right`), so captions and text stay visible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw

from narrate.pictures.fonts import FontChain, chain, draw_text, is_rtl
from narrate.pictures.layout import truncate
from narrate.pictures.theme import Theme

Box = tuple[int, int, int, int]


@dataclass
class Card:
    image: Image.Image
    safe: Box
    boxes: dict[str, Box] = field(default_factory=dict)  # what was drawn where, for checks
    reserve: int = 0  # pixels kept free above the bottom of the safe area, for captions


def blank_card(theme: Theme, width: int, height: int) -> Card:
    image = background(theme.background, theme.background_bottom, width, height).copy()
    return Card(image=image, safe=blank_safe(image, theme))


@lru_cache(maxsize=4)
def background(colour: str, bottom_colour: str, width: int, height: int) -> Image.Image:
    """The theme's gradient, top to bottom: drawn once per render and size (25 ms at
    1080p), copied for each card (1 ms)."""
    top = Image.new("RGB", (width, height), colour)
    bottom = Image.new("RGB", (width, height), bottom_colour)
    mask = Image.linear_gradient("L").resize((width, height))
    return Image.composite(bottom, top, mask)


def portrait(size: tuple[int, int]) -> bool:
    return size[1] > size[0]


def blank_safe(image: Image.Image, theme: Theme) -> Box:
    width, height = image.size
    margin_x, margin_y = round(width * theme.margin_x), round(height * theme.margin_y)
    right, bottom = margin_x, margin_y
    if portrait(image.size):  # the apps' buttons: right edge, bottom fifth
        right = max(right, round(width * theme.portrait_margin_right))
        bottom = max(bottom, round(height * theme.portrait_margin_bottom))
    return (margin_x, margin_y, width - right, height - bottom)


def scale(card: Card, pixels: float) -> int:
    """Theme sizes are for a 1080-pixel card; scale by the card's shorter side."""
    return max(1, round(pixels * min(card.image.size) / 1080))


def eye_line(card: Card) -> float:
    """Where in its free space a block of text sits, 0 top to 1 bottom: the middle, and on a
    vertical video the upper middle, where the eye goes first."""
    return 0.3 if portrait(card.image.size) else 0.5


def caption_zone(card: Card, theme: Theme) -> Box:
    """Where captions go: two lines at the bottom of the safe area, above the progress track."""
    left, _, right, bottom = card.safe
    size = scale(card, theme.caption_size)
    line = round(size * 1.3)
    bottom -= scale(card, 28)
    return (left, bottom - 2 * line - 2 * scale(card, 14), right, bottom)


def reserve_captions(card: Card, theme: Theme) -> None:
    """Keep the caption zone, and a gap above it, free of the card's text."""
    zone = caption_zone(card, theme)
    card.reserve = card.safe[3] - zone[1] + scale(card, 24)


def fill_box(draw: ImageDraw.ImageDraw, box: Box, fill: str, radius: int = 0) -> None:
    """Fill a half-open box (right and bottom edges excluded, like the text boxes)."""
    draw.rounded_rectangle((box[0], box[1], box[2] - 1, box[3] - 1), radius=radius, fill=fill)


def union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def draw_lines(
    draw: ImageDraw.ImageDraw,
    xy: tuple[int, int],
    lines: list[str],
    face: FontChain,
    line_height: int,
    fill: str,
    align: str = "l",
) -> Box:
    """Draw lines top-down from xy (x: their left edge, middle or right edge, by `align`);
    return the union of their ink boxes."""
    x, y = xy
    boxes = []
    for line in lines:
        boxes.append(draw_text(draw, (x, y), line, face, fill, anchor=align + "a"))
        y += line_height
    return union(boxes)


def blend(colour: str, under: str, amount: float) -> str:
    """`colour` laid over `under` at `amount` (0 to 1) opacity, as #RRGGBB."""
    one = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    two = [int(under[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = (round(a * amount + b * (1 - amount)) for a, b in zip(one, two, strict=True))
    return "#" + "".join(f"{value:02X}" for value in mixed)


def draw_logo(card: Card, path: Path, theme: Theme) -> Box:
    """The brand logo in the top right corner of the safe area, `theme.logo_size` tall (a
    quarter of the safe width at most). Returns its box (also card.boxes["logo"])."""
    left, top, right, _ = card.safe
    logo = logo_image(path, scale(card, theme.logo_size), (right - left) // 4)
    box = (right - logo.width, top, right, top + logo.height)
    card.image.paste(logo, box[:2], logo)
    card.boxes["logo"] = box
    return box


def logo_image(path: Path, height: int, max_width: int) -> Image.Image:
    """The logo scaled to `height` (narrower if wider than `max_width`), as RGBA; decoded
    once per file version and size, since every card and panel draws it."""
    stat = path.stat()
    return _logo_image(path, stat.st_mtime_ns, stat.st_size, height, max_width)


@lru_cache(maxsize=8)
def _logo_image(path: Path, _mtime: int, _size: int, height: int, max_width: int) -> Image.Image:
    with Image.open(path) as opened:
        logo = opened.convert("RGBA")
    width = min(max(1, round(logo.width * height / logo.height)), max(1, max_width))
    return logo.resize(
        (width, max(1, round(logo.height * width / logo.width))), Image.Resampling.LANCZOS
    )


def panel(theme: Theme, size: tuple[int, int], logo: Path | None) -> Card:
    """A blank card with the caption zone reserved and the logo (if any) in its corner."""
    card = blank_card(theme, *size)
    reserve_captions(card, theme)
    if logo is not None:
        draw_logo(card, logo, theme)
    return card


def area(card: Card, top: int) -> tuple[int, int]:
    """The free rows below `top`, above the caption zone."""
    return top + scale(card, 48), card.safe[3] - card.reserve


def kicker(card: Card, draw: ImageDraw.ImageDraw, text: str, theme: Theme) -> int:
    """The scene's heading, small, in the accent colour, top left (on the logo's middle
    line when there is a logo). Returns the bottom of the top row."""
    left, top, right, _ = card.safe
    logo = card.boxes.get("logo")
    end = logo[0] - scale(card, 32) if logo else right
    row, anchor = ((logo[1] + logo[3]) // 2, "m") if logo else (top, "a")
    face = chain(theme.font_paths(True), scale(card, theme.meta_size))
    shown = (
        truncate([text], face, max(1, end - left))[0] if face.getlength(text) > end - left else text
    )
    if is_rtl(text):
        card.boxes["kicker"] = draw_text(draw, (end, row), shown, face, theme.accent, "r" + anchor)
    else:
        card.boxes["kicker"] = draw_text(draw, (left, row), shown, face, theme.accent, "l" + anchor)
    return max(card.boxes["kicker"][3], logo[3] if logo else 0)


def edge(card: Card, text: str) -> tuple[int, str]:
    """Where a block of `text` lines up: the left edge, or the right for right-to-left text."""
    # Right-aligned, a glyph's ink may stand out of its advance by a pixel or two: inset.
    return (card.safe[2] - scale(card, 4), "r") if is_rtl(text) else (card.safe[0], "l")


def rule(card: Card, draw: ImageDraw.ImageDraw, y: int, x: int, align: str, theme: Theme) -> Box:
    """The short accent rule the scene cards have, at the block's edge."""
    width = scale(card, 120)
    left = {"l": x, "r": x - width, "m": x - width // 2}[align]
    box = (left, y, left + width, y + scale(card, 8))
    fill_box(draw, box, theme.accent)
    card.boxes["rule"] = box
    return box


def pixels_of(image: Image.Image) -> bytes:
    """image.tobytes() in one piece. Pillow's own loop takes 64 KB a turn, and each turn waits
    for the interpreter lock while other threads work: 4 ms alone became 45 ms in a render."""
    image.load()
    try:
        encoder = Image._getencoder(image.mode, "raw", image.mode)  # noqa: SLF001
        encoder.setimage(image.im)
        _, status, data = encoder.encode(len(image.getbands()) * image.width * image.height + 1)
    except (AttributeError, OSError, ValueError):  # a Pillow without it: its own way
        return image.tobytes()
    return bytes(data) if status == 1 else image.tobytes()
