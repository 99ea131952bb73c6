"""Draw one title card (PNG) per scene with Pillow.

Opening card: a "VIDEO" label, the title, an accent rule and the byline.
Scene card: the article title small, the scene's place ("3 / 8"), the heading, a progress track.
Every card: the brand logo (if any) small in the top right corner. Everything is drawn inside
the theme's safe margins (canvas.py; on a vertical video also out of the bottom fifth and the
right edge that short-video apps cover); text wraps and shrinks to fit. The date, "VIDEO" and
"By" are written in the article's language (words.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

from narrate import __version__
from narrate.cache import Cache, file_hash, make_key, place
from narrate.models import Script, Settings
from narrate.pictures.canvas import (
    Box,
    Card,
    blank_card,
    blank_safe,
    caption_zone,
    draw_lines,
    draw_logo,
    eye_line,
    fill_box,
    reserve_captions,
    scale,
)
from narrate.pictures.fonts import chain, draw_text, font
from narrate.pictures.layout import clip, fit, truncate
from narrate.pictures.theme import Theme, theme_for
from narrate.pictures.words import by_line, news_date, video_label

__all__ = ["Box", "Card", "blank_card", "caption_strip", "caption_zone", "draw_card"]
CAPTION_LINES = 2  # lines the caption zone holds


def draw_cards(
    script: Script,
    settings: Settings,
    folder: Path,
    cache: Cache | None = None,
    advance: Callable[[], None] | None = None,
) -> list[Path]:
    theme = theme_for(settings.theme, settings.brand)
    paths = []
    for number in range(1, len(script.scenes) + 1):
        paths.append(card_for(script, number, settings, theme, folder, cache or Cache(None)))
        if advance:
            advance()
    return paths


def card_for(
    script: Script, number: int, settings: Settings, theme: Theme, folder: Path, cache: Cache
) -> Path:
    """folder/NN.png for scene `number` in `theme`, from the cache when drawn before."""
    key = card_key(script, number, settings, theme)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{number:02d}.png"
    if entry := cache.get("card", key, "png"):
        return place(entry, path)
    card = draw_card(
        script, number, theme, settings.width, settings.height, settings.captions, settings.logo
    )
    card.image.save(path)
    cache.put("card", key, "png", path)
    return path


def card_key(script: Script, number: int, settings: Settings, theme: Theme) -> str:
    """What scene `number`'s card shows, as a cache key."""
    scene = script.scenes[number - 1]
    return make_key(
        "card",
        kind=scene.kind,
        heading=scene.heading,
        number=number,
        total=len(script.scenes),
        title=script.title,
        byline=script.byline,
        date=script.date,
        language=script.language,
        theme=theme.model_dump(),
        size=settings.size,
        captions=settings.captions,
        logo=file_hash(settings.logo) if settings.logo else None,
        narrate=__version__,
    )


def draw_card(
    script: Script,
    number: int,
    theme: Theme,
    width: int,
    height: int,
    captions: bool = False,
    logo: Path | None = None,
) -> Card:
    """Card for scene `number` (1-based) of `script`, with room for captions if asked, and
    the logo (if any) at the top right."""
    card = blank_card(theme, width, height)
    if captions:
        reserve_captions(card, theme)
    if logo is not None:
        draw_logo(card, logo, theme)
    if script.scenes[number - 1].kind == "opening":
        draw_opening(card, script, theme)
    else:
        draw_scene(card, script, number, theme)
    return card


def draw_opening(card: Card, script: Script, theme: Theme) -> None:
    draw = ImageDraw.Draw(card.image)
    left, top, right, bottom = card.safe
    label_bottom = draw_video_label(card, draw, video_label(script.language), theme)
    row_end = right
    if "logo" in card.boxes:
        row_end = card.boxes["logo"][0] - scale(card, 28)
        label_bottom = max(label_bottom, card.boxes["logo"][3])
    if script.date:
        meta = chain(theme.font_paths(False), scale(card, theme.meta_size))
        x = card.boxes["label"][2] + scale(card, 28)
        date = clip(news_date(script.date, script.language), meta, max(1, row_end - x))
        y = (card.boxes["label"][1] + card.boxes["label"][3]) // 2
        card.boxes["date"] = draw_text(draw, (x, y), date, meta, theme.muted, anchor="lm")

    byline_size = scale(card, theme.byline_size)
    byline_height = round(byline_size * 1.4) + scale(card, 40) if script.byline else 0
    gap = scale(card, 48)
    bottom -= card.reserve
    area_top, area_bottom = label_bottom + gap, bottom - byline_height
    title = fit(
        script.title,
        theme.font_paths(True),
        right - left,
        area_bottom - area_top,
        scale(card, theme.title_size),
        scale(card, theme.title_min_size),
        theme.line_spacing,
    )
    block = title.height + byline_height
    y = area_top + max(0, round((bottom - area_top - block) * eye_line(card)))
    card.boxes["title"] = draw_lines(
        draw, (left, y), title.lines, title.font, title.line_height, theme.text
    )
    if script.byline:
        y = card.boxes["title"][3] + scale(card, 28)
        rule = (left, y, left + scale(card, 120), y + scale(card, 8))
        fill_box(draw, rule, theme.accent)
        card.boxes["rule"] = rule
        face = chain(theme.font_paths(False), byline_size)
        byline = clip(by_line(script.byline, script.language), face, right - left)
        card.boxes["byline"] = draw_text(
            draw, (left, rule[3] + scale(card, 24)), byline, face, theme.muted
        )


def draw_video_label(card: Card, draw: ImageDraw.ImageDraw, word: str, theme: Theme) -> int:
    """A red pill with a play triangle and VIDEO (`word`), top left. Returns its bottom edge."""
    left, top, _, _ = card.safe
    face = font(theme.font_path(True), scale(card, theme.label_size))
    pad_x, pad_y = scale(card, 22), scale(card, 12)
    ink = face.getbbox("VIDEO")  # one height whatever the word's accents
    text_height = round(ink[3] - ink[1])
    triangle = text_height
    text_width = round(face.getlength(word))
    box = (
        left,
        top,
        left + pad_x * 2 + triangle + pad_x // 2 + text_width,
        top + text_height + pad_y * 2,
    )
    fill_box(draw, box, theme.accent, radius=(box[3] - box[1]) // 2)
    tx, ty = left + pad_x, top + pad_y
    draw.polygon(
        [(tx, ty), (tx, ty + triangle), (tx + triangle * 0.87, ty + triangle / 2)],
        fill=theme.accent_text,
    )
    draw.text(
        (tx + triangle + pad_x // 2, (box[1] + box[3]) / 2),
        word,
        font=face,
        fill=theme.accent_text,
        anchor="lm",
    )
    card.boxes["label"] = box
    return box[3]


def draw_scene(card: Card, script: Script, number: int, theme: Theme) -> None:
    draw = ImageDraw.Draw(card.image)
    left, top, right, bottom = card.safe
    scene = script.scenes[number - 1]
    total = len(script.scenes)

    meta = chain(theme.font_paths(False), scale(card, theme.meta_size))
    counter_face = chain(theme.font_paths(True), scale(card, theme.meta_size))
    counter = f"{number} / {total}"
    row, anchor, end = top, "a", right  # the top row: beside the logo, on its middle line
    if logo := card.boxes.get("logo"):
        row, anchor, end = (logo[1] + logo[3]) // 2, "m", logo[0] - scale(card, 32)
    card.boxes["counter"] = draw_text(
        draw, (end, row), counter, counter_face, theme.accent, anchor="r" + anchor
    )
    title_width = end - left - round(counter_face.getlength(counter)) - scale(card, 40)
    small_title = clip(script.title, meta, max(1, title_width))
    card.boxes["article_title"] = draw_text(
        draw, (left, row), small_title, meta, theme.muted, anchor="l" + anchor
    )

    track_height = scale(card, 8)
    track = (left, bottom - track_height, right, bottom)
    fill_box(draw, track, theme.track)
    filled = left + round((right - left) * number / total)
    fill_box(draw, (left, track[1], filled, bottom), theme.accent)
    card.boxes["track"] = track

    gap = scale(card, 56)
    rule_height = scale(card, 8)
    row_boxes = [
        card.boxes[key] for key in ("counter", "article_title", "logo") if key in card.boxes
    ]
    area_top = max(box[3] for box in row_boxes) + gap
    area_bottom = track[1] - gap - card.reserve
    heading = fit(
        scene.heading,
        theme.font_paths(True),
        right - left,
        area_bottom - area_top - rule_height - scale(card, 36),
        scale(card, theme.heading_size),
        scale(card, theme.heading_min_size),
        theme.line_spacing,
    )
    block = rule_height + scale(card, 36) + heading.height
    y = area_top + max(0, round((area_bottom - area_top - block) * eye_line(card)))
    rule = (left, y, left + scale(card, 120), y + rule_height)
    fill_box(draw, rule, theme.accent)
    card.boxes["rule"] = rule
    y = rule[3] + scale(card, 36)
    card.boxes["heading"] = draw_lines(
        draw, (left, y), heading.lines, heading.font, heading.line_height, theme.text
    )


def draw_caption(card_image: Image.Image, lines: list[str], theme: Theme) -> Image.Image:
    """The card with a caption on a contrasting band, centred in the caption zone."""
    top, strip = caption_strip(card_image, lines, theme)
    image = card_image.copy()
    image.paste(strip, (0, top))
    return image


def caption_strip(
    card_image: Image.Image, lines: list[str], theme: Theme
) -> tuple[int, Image.Image]:
    """The rows of the card that a caption changes, with the caption drawn in, and the first
    row's index: a sentence's pictures differ from the card only there."""
    lines = lines or [""]
    card = Card(image=card_image, safe=blank_safe(card_image, theme))
    left, _, right, bottom = caption_zone(card, theme)
    room = right - left - scale(card, 40)
    size = scale(card, theme.caption_size)
    face = chain(theme.font_paths(False), size)
    while size > 8 and max(face.getlength(line) for line in lines) > room:
        size -= 2
        face = chain(theme.font_paths(False), size)
    # The zone holds two lines: a cue of more (a word longer than two lines, cut by the
    # captions) ends with an ellipsis, and a line still too wide at the smallest size is cut,
    # so the strip stays inside the card whatever the text.
    lines = truncate(lines[:CAPTION_LINES], face, room) if len(lines) > CAPTION_LINES else lines
    lines = [clip(line, face, room) for line in lines]
    line_height = round(size * 1.3)
    pad_x, pad_y = scale(card, 20), scale(card, 14)
    width = min(round(max(face.getlength(line) for line in lines)) + 2 * pad_x, right - left)
    height = line_height * len(lines) + 2 * pad_y
    x0 = (left + right - width) // 2
    top = max(0, bottom - height)
    strip = card_image.crop((0, top, card_image.width, bottom)).convert("RGB")
    box = (x0, 0, x0 + width, height)  # in the strip
    region = strip.crop(box).convert("RGBA")
    overlay = Image.new("RGBA", region.size, (0, 0, 0, 0))
    alpha = round(255 * theme.caption_opacity)
    colour = tuple(int(theme.caption_background[i : i + 2], 16) for i in (1, 3, 5))
    ImageDraw.Draw(overlay).rounded_rectangle(
        (0, 0, region.width - 1, region.height - 1), radius=pad_y, fill=(*colour, alpha)
    )
    strip.paste(Image.alpha_composite(region, overlay).convert("RGB"), box[:2])
    draw = ImageDraw.Draw(strip)
    for index, line in enumerate(lines):
        y = pad_y + index * line_height + line_height // 2
        draw_text(draw, ((box[0] + box[2]) / 2, y), line, face, theme.caption_text, anchor="mm")
    return top, strip
