"""A list revealing its items as they are spoken: the scene's heading, then the items, those
said so far in full, the one being said marked in the accent colour, the rest faint (so the
list does not move as it fills). A list too long for the frame shows the items around the
one being said, with a faint "…" where items are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageDraw

from narrate.models import ListBlock
from narrate.pictures.canvas import (
    Card,
    blend,
    draw_lines,
    edge,
    fill_box,
    panel,
    rule,
    scale,
    union,
)
from narrate.pictures.fonts import FontChain, chain, draw_text, is_rtl
from narrate.pictures.layout import fit, text_height, truncate, wrap
from narrate.pictures.theme import Theme

ITEM_LINES = 3  # an item longer than this is cut with an ellipsis


@dataclass(frozen=True)
class Items:
    face: FontChain
    line_height: int
    gap: int
    marker: int  # width of the bullets' or numbers' column
    lines: list[list[str]]  # each item's lines

    def height(self, index: int) -> int:
        return self.line_height * (len(self.lines[index]) - 1) + text_height(self.face)


def list_card(
    listed: ListBlock,
    shown: int,
    heading: str,
    theme: Theme,
    size: tuple[int, int],
    logo: Path | None,
) -> Card:
    card = panel(theme, size, logo)
    draw = ImageDraw.Draw(card.image)
    left, top, right, _ = card.safe
    end = card.boxes["logo"][0] - scale(card, 32) if "logo" in card.boxes else right
    title = fit(
        heading,
        theme.font_paths(True),
        end - left,
        scale(card, theme.heading_size * 1.5),
        scale(card, theme.heading_size * 0.62),
        scale(card, theme.heading_min_size),
        theme.line_spacing,
        max_lines=2,
        at_word=True,
    )
    x, align = edge(card, heading)
    start = end - (right - x) if align == "r" else x
    card.boxes["heading"] = draw_lines(
        draw, (start, top), title.lines, title.font, title.line_height, theme.text, align
    )
    y = rule(card, draw, card.boxes["heading"][3] + scale(card, 28), x, align, theme)[3]
    area_top, area_bottom = y + scale(card, 48), card.safe[3] - card.reserve
    items = lay_out(card, listed, theme, area_bottom - area_top)
    first, last = window(items, min(shown, len(listed.items) - 1), area_bottom - area_top)
    draw_items(card, draw, listed, items, (first, last), shown, area_top, theme)
    return card


def lay_out(card: Card, listed: ListBlock, theme: Theme, height: int) -> Items:
    """The items at the largest size at which they all fit `height`; at the smallest, as
    they are (the window shows those that fit)."""
    left, _, right, _ = card.safe
    size = scale(card, theme.item_size)
    smallest = scale(card, theme.item_min_size)
    while True:
        items = measure(card, listed, theme, size, right - left)
        total = sum(items.height(i) for i in range(len(items.lines)))
        if total + items.gap * (len(items.lines) - 1) <= height or size <= smallest:
            return items
        size = max(smallest, int(size * 0.92))


def measure(card: Card, listed: ListBlock, theme: Theme, size: int, width: int) -> Items:
    face = chain(theme.font_paths(False), size)
    bold = chain(theme.font_paths(True), size)
    marker = round(bold.getlength(f"{len(listed.items)}.")) if listed.ordered else size // 2
    marker += round(size * 0.6)
    room = max(1, width - marker - max(1, size // 12))  # ink: see layout.fit
    lines = [item_lines(item, face, room) for item in listed.items]
    return Items(face, round(size * theme.line_spacing), round(size * 0.7), marker, lines)


@lru_cache(maxsize=512)
def item_lines(item: str, face: FontChain, room: int) -> list[str]:
    """An item wrapped to `room`, at most ITEM_LINES lines; kept, since every step of a
    reveal lays out the same items again."""
    wrapped = wrap(" ".join(item.split()) or "–", face, room, ITEM_LINES)
    if len(wrapped) > ITEM_LINES:
        wrapped = truncate(wrapped[:ITEM_LINES], face, room, at_word=True)
    return wrapped


def window(items: Items, current: int, height: int) -> tuple[int, int]:
    """The first and last item shown: the one being said (`current`, from 0) and the next,
    then as many before them as fit, then as many after."""
    count = len(items.lines)
    target = min(current + 1, count - 1)
    first = last = max(0, target)
    used = items.height(first)
    while first > 0 and used + items.gap + items.height(first - 1) <= height:
        first -= 1
        used += items.gap + items.height(first)
    while last < count - 1 and used + items.gap + items.height(last + 1) <= height:
        last += 1
        used += items.gap + items.height(last)
    if current < first:  # the next item alone is taller than the room: show the current one
        first = last = current
    return first, last


def draw_items(
    card: Card,
    draw: ImageDraw.ImageDraw,
    listed: ListBlock,
    items: Items,
    span: tuple[int, int],
    shown: int,
    y: int,
    theme: Theme,
) -> None:
    left, _, right, _ = card.safe
    faint = blend(theme.text, blend(theme.background, theme.background_bottom, 0.5), 0.28)
    bold = chain(theme.font_paths(True), items.face.size)
    boxes = []
    for index in range(span[0], span[1] + 1):
        said = index < shown
        current = index == shown - 1
        fill = theme.text if said else faint
        mark = theme.accent if current else (theme.muted if said else faint)
        rtl = any(is_rtl(line) for line in items.lines[index])
        inset = scale(card, 4) if rtl else 0  # right-aligned ink may stand out: see edge()
        mark_x, side = (right - inset, "r") if rtl else (left, "l")
        text_x = right - items.marker if rtl else left + items.marker
        box = draw_lines(
            draw, (text_x, y), items.lines[index], items.face, items.line_height, fill, side
        )
        middle = y + (text_height(items.face) + items.face.getmetrics()[1] // 2) // 2
        if listed.ordered:
            number = f"{index + 1}."
            draw_text(draw, (mark_x, middle), number, bold, mark, anchor=side + "m")
        else:
            dot = max(2, items.face.size // 4)
            x0 = mark_x - dot if rtl else mark_x
            fill_box(draw, (x0, middle - dot // 2, x0 + dot, middle + dot - dot // 2), mark)
        card.boxes[f"item{index + 1}"] = (
            box[0] if rtl else left,
            box[1],
            right - inset if rtl else box[2],
            box[3],
        )
        boxes.append(card.boxes[f"item{index + 1}"])
        y += items.height(index) + items.gap
    if boxes:
        card.boxes["items"] = union(boxes)
