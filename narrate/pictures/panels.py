"""Drawn backdrops other than photos: a quote card, a list revealing its items, a key figure
and the ending card. Each is an RGB picture of the video's size in the theme, with the logo in
its corner, everything inside the safe area and out of the caption zone (the caption strip is
drawn over it later, by cards.caption_strip). Deterministic: the same arguments, the same
pixels. `*_card` returns the Card with its boxes (what was drawn where, for checks);
`*_panel` its picture. Lists are drawn in panel_list.py.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from narrate.models import ListBlock, Quote, Script
from narrate.pictures.canvas import (
    Card,
    area,
    blank_card,
    draw_lines,
    edge,
    eye_line,
    kicker,
    logo_image,
    panel,
    portrait,
    reserve_captions,
    rule,
    scale,
    union,
)
from narrate.pictures.fonts import FontChain, chain, draw_text, is_rtl
from narrate.pictures.layout import ELLIPSIS, FittedText, fit, truncate
from narrate.pictures.panel_list import list_card
from narrate.pictures.theme import Theme
from narrate.pictures.words import quote_marks

QUOTE_CHARACTERS = "\"'“”„‟«»‹›‘’‚「」『』 "


# Quotations ------------------------------------------------------------------------------


def quote_panel(
    quote: Quote,
    script: Script,
    number: int,
    theme: Theme,
    size: tuple[int, int],
    logo: Path | None,
) -> Image.Image:
    return quote_card(quote, script, number, theme, size, logo).image


def quote_card(
    quote: Quote,
    script: Script,
    number: int,
    theme: Theme,
    size: tuple[int, int],
    logo: Path | None,
) -> Card:
    """The quotation large, in the language's quotation marks, wrapped and shrunk to fit (a
    very long one cut at a word), the speaker and role beneath; the scene's heading above."""
    card = panel(theme, size, logo)
    draw = ImageDraw.Draw(card.image)
    left, _, right, _ = card.safe
    area_top, area_bottom = area(card, kicker(card, draw, script.scenes[number - 1].heading, theme))
    words = " ".join(quote.text.split()).strip(QUOTE_CHARACTERS) or quote.text.strip()
    # The font chain draws a line's runs left to right: a mark of another font than the
    # right-to-left words would land on the wrong side, so those go without (the rule and
    # the attribution still say it is a quotation).
    opening, closing = ("", "") if is_rtl(words) else quote_marks(script.language)
    attribution = attribution_lines(card, quote, theme)
    said_height = 0
    if attribution:
        said_height = scale(card, 40) + sum(line_height for _, _, line_height in attribution)
    rule_space = scale(card, 8) + scale(card, 36)
    height = area_bottom - area_top - said_height - rule_space
    quoted = fit(
        f"{opening}{words}{closing}",
        theme.font_paths(False),
        right - left,
        max(1, height),
        scale(card, theme.quote_size),
        scale(card, theme.quote_min_size),
        theme.line_spacing,
        max_lines=9 if portrait(size) else 6,
        at_word=True,
    )
    quoted = closed(quoted, closing, right - left)
    block = rule_space + quoted.height + said_height
    y = area_top + max(0, round((area_bottom - area_top - block) * eye_line(card)))
    x, align = edge(card, words)
    rule(card, draw, y, x, align, theme)
    y += rule_space
    card.boxes["quote"] = draw_lines(
        draw, (x, y), quoted.lines, quoted.font, quoted.line_height, theme.text, align
    )
    y = card.boxes["quote"][3] + scale(card, 40)
    boxes = []
    for text, bold, line_height in attribution:
        face = chain(theme.font_paths(bold), scale(card, theme.byline_size))
        fill = theme.text if bold else theme.muted
        boxes.append(draw_text(draw, (x, y), text, face, fill, anchor=align + "a"))
        y += line_height
    if boxes:
        card.boxes["attribution"] = union(boxes)
    return card


def closed(text: FittedText, closing: str, width: int) -> FittedText:
    """A quotation cut short ends with an ellipsis and still its closing mark."""
    last = text.lines[-1]
    if not closing or not last.endswith(ELLIPSIS):
        return text
    room = max(1, width - max(1, text.font.size // 12))
    cut = truncate([last.removesuffix(ELLIPSIS)], text.font, room, at_word=True, suffix=closing)
    return FittedText(text.font, [*text.lines[:-1], *cut], text.line_height)


def attribution_lines(card: Card, quote: Quote, theme: Theme) -> list[tuple[str, bool, int]]:
    """'— Maria Lopez, the city's mayor' on one line when it fits, else the name (bold) and
    the role beneath; nothing without a speaker. Each: (text, bold, line height)."""
    if not quote.speaker:
        return []
    left, _, right, _ = card.safe
    size = scale(card, theme.byline_size)
    line_height = round(size * 1.35)
    bold = chain(theme.font_paths(True), size)
    regular = chain(theme.font_paths(False), size)
    speaker = quote.speaker.strip()
    rtl = is_rtl(speaker + (quote.role or ""))
    dash, comma = ("", "، ") if rtl else ("— ", ", ")  # one run: see quote_card
    name = clip_line(dash + speaker, bold, right - left)
    if not quote.role:
        return [(name, True, line_height)]
    whole = f"{dash}{speaker}{comma}{quote.role.strip()}"
    if bold.getlength(whole) <= right - left:
        return [(whole, True, line_height)]
    return [
        (name, True, line_height),
        (clip_line(quote.role.strip(), regular, right - left), False, line_height),
    ]


def clip_line(text: str, face: FontChain, width: int) -> str:
    return text if face.getlength(text) <= width else truncate([text], face, width, at_word=True)[0]


# Key figures -----------------------------------------------------------------------------


def number_panel(
    number: str, label: str, heading: str, theme: Theme, size: tuple[int, int], logo: Path | None
) -> Image.Image:
    return number_card(number, label, heading, theme, size, logo).image


def number_card(
    number: str, label: str, heading: str, theme: Theme, size: tuple[int, int], logo: Path | None
) -> Card:
    """A key figure very large in the accent colour, what it counts beneath."""
    card = panel(theme, size, logo)
    draw = ImageDraw.Draw(card.image)
    left, _, right, _ = card.safe
    area_top, area_bottom = area(card, kicker(card, draw, heading, theme))
    gap = scale(card, 28)
    label_text = (
        fit(
            label,
            theme.font_paths(False),
            right - left,
            (area_bottom - area_top) // 3,
            scale(card, theme.heading_size * 0.62),
            scale(card, theme.heading_min_size),
            theme.line_spacing,
            max_lines=3,
            at_word=True,
        )
        if label.strip()
        else None
    )
    label_height = label_text.height + gap if label_text else 0
    figure = fit(
        number,
        theme.font_paths(True),
        right - left,
        max(1, area_bottom - area_top - label_height),
        scale(card, theme.figure_size),
        scale(card, theme.figure_min_size),
        1.0,
        max_lines=2,
    )
    block = figure.height + label_height
    y = area_top + max(0, round((area_bottom - area_top - block) * eye_line(card)))
    x, align = edge(card, label or number)
    card.boxes["number"] = draw_lines(
        draw, (x, y), figure.lines, figure.font, figure.line_height, theme.accent, align
    )
    if label_text:
        y += figure.height + gap
        card.boxes["label"] = draw_lines(
            draw,
            (x, y),
            label_text.lines,
            label_text.font,
            label_text.line_height,
            theme.text,
            align,
        )
    return card


# The ending ------------------------------------------------------------------------------


def ending_panel(
    script: Script, line: str | None, theme: Theme, size: tuple[int, int], logo: Path | None
) -> Image.Image:
    return ending_card(script, line, theme, size, logo).image


def ending_card(
    script: Script, line: str | None, theme: Theme, size: tuple[int, int], logo: Path | None
) -> Card:
    """The end slate, centred: the logo (larger than on the other cards), the title, an
    accent rule and the user's own line ("Read the full story at ...")."""
    card = blank_card(theme, *size)
    reserve_captions(card, theme)
    draw = ImageDraw.Draw(card.image)
    left, top, right, bottom = card.safe
    bottom -= card.reserve
    middle = (left + right) // 2
    mark = logo_image(logo, scale(card, theme.logo_size * 2), (right - left) // 2) if logo else None
    gap = scale(card, 44)
    own = " ".join((line or "").split())
    tail = fit(
        own, theme.font_paths(False), right - left, (bottom - top) // 4,
        scale(card, theme.byline_size), scale(card, theme.meta_size), theme.line_spacing,
        max_lines=3, at_word=True,
    ) if own else None  # fmt: skip
    logo_space = mark.height + gap if mark else 0
    tail_space = scale(card, 8) + 2 * gap + tail.height if tail else 0
    title = fit(
        script.title,
        theme.font_paths(True),
        right - left,
        max(1, bottom - top - logo_space - tail_space),
        scale(card, theme.title_size * 0.8),
        scale(card, theme.title_min_size),
        theme.line_spacing,
        max_lines=4,
        at_word=True,
    )
    block = logo_space + title.height + tail_space
    y = top + max(0, round((bottom - top - block) * eye_line(card)))
    if mark:
        box = (middle - mark.width // 2, y, middle - mark.width // 2 + mark.width, y + mark.height)
        card.image.paste(mark, box[:2], mark)
        card.boxes["logo"] = box
        y += logo_space
    card.boxes["title"] = draw_lines(
        draw, (middle, y), title.lines, title.font, title.line_height, theme.text, "m"
    )
    if tail:
        y = card.boxes["title"][3] + gap
        rule(card, draw, y, middle, "m", theme)
        y += scale(card, 8) + gap
        card.boxes["line"] = draw_lines(
            draw, (middle, y), tail.lines, tail.font, tail.line_height, theme.muted, "m"
        )
    return card


def list_panel(
    listed: ListBlock,
    shown: int,
    heading: str,
    theme: Theme,
    size: tuple[int, int],
    logo: Path | None,
) -> Image.Image:
    return list_card(listed, shown, heading, theme, size, logo).image
