"""A figure's photo as a moving backdrop: the frame filled (cropped to the video's shape
around the photo's centre of interest, never stretched), a slow zoom drifting toward that
centre (Ken Burns), the caption and credit as a lower line above the caption zone, the logo.

Made to be drawn many times a second (pictures/backdrops.py, video/packs.py):
- load_photo decodes once (a JPEG reduced while decoding: Image.draft) and keeps only the
  pixels the move shows, at the scale of its end, so a frame is one resize of that (BOX,
  at most 1.05:1, which is exact area averaging: smooth sub-pixel motion, no shimmer). The
  many pictures of a move are made from the same Look by video/planes.py instead, as YUV
  planes (OpenCV, bilinear): photo_frame draws the still ones (--no-motion, crossfades).
- The text and logo are drawn once per shot (a `Look`, kept in the Photo) and pasted into each
  frame through their masks; the scrim under the text is baked into the Look's copy of the
  pixels, dark enough where the text is for every t of the move, so no frame blends it.
- Moves are slow: no point of the frame travels more than TRAVEL of its diagonal over a shot
  (72 px at 1080p: about 1.2 px a tenth of a second in a 6-second shot).
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from narrate.limits import MAX_IMAGE_PIXELS
from narrate.models import Figure
from narrate.pictures.canvas import (
    Card,
    blank_safe,
    caption_zone,
    logo_image,
    pixels_of,
    portrait,
    scale,
)
from narrate.pictures.fonts import chain, draw_text
from narrate.pictures.framing import (
    MAX_UPSCALE,
    ZOOM,
    Region,
    centre_of_interest,
    is_fitted,
    nudge,
    plan_move,
    rgb,
    thumbnail,
)
from narrate.pictures.layout import clip, truncate, wrap
from narrate.pictures.theme import Theme

Box = tuple[int, int, int, int]

FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")
DRAFT_SLACK = 1.1  # a JPEG may be decoded this much smaller than the end scale (draft)
CLOSE = 1.12  # an image within this of the end scale is only cut, not resampled
SCRIM = 0.62  # how dark the scrim is behind the caption line (0 to 1)
CAPTION_LINES = 2


@dataclass(frozen=True)
class Stamp:
    """Pixels pasted into every frame at `position` through `mask` (text, logo)."""

    colour: Image.Image
    mask: Image.Image
    position: tuple[int, int]

    @property
    def box(self) -> Box:
        x, y = self.position
        return (x, y, x + self.colour.width, y + self.colour.height)


@dataclass(frozen=True)
class Look:
    """A shot's photo as drawn in one theme: the pixels with the scrim, and the stamps."""

    image: Image.Image
    stamps: tuple[Stamp, ...]
    text: Box | None  # the caption line's ink, in the frame


@dataclass(frozen=True, eq=False)
class Photo:
    """A figure's image decoded once: `image` (RGB) holds what the move shows at the scale of
    its end; `start` and `end` are the regions of it the frame shows at t=0 and t=1."""

    image: Image.Image
    start: Region
    end: Region
    size: tuple[int, int]
    interest: tuple[float, float]  # the centre of interest, fractions of the source image
    fitted: bool  # shown whole over a blurred fill (tiny, or of an extreme shape)
    looks: dict[str, Look] = field(default_factory=dict, repr=False)

    def region(self, t: float) -> Region:
        t = min(1.0, max(0.0, t))
        a, b = self.start, self.end
        return (
            a[0] + (b[0] - a[0]) * t,
            a[1] + (b[1] - a[1]) * t,
            a[2] + (b[2] - a[2]) * t,
            a[3] + (b[3] - a[3]) * t,
        )


def load_photo(figure: Figure, size: tuple[int, int]) -> Photo | None:
    """The figure's image, decoded and reduced once to what the frames need; None when it
    cannot be decoded (damaged, truncated, too many pixels, not an image): never raises."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # decompression bomb, EXIF and palette warnings
            return decode(Path(figure.path), size)
    except Exception:  # Pillow's decoders raise many kinds on a damaged file
        return None


def decode(path: Path, size: tuple[int, int]) -> Photo | None:
    with Image.open(path, formats=FORMATS) as opened:
        if opened.width * opened.height > MAX_IMAGE_PIXELS:
            return None
        turned = opened.getexif().get(0x0112, 1) in (5, 6, 7, 8)
        width, height = (opened.height, opened.width) if turned else opened.size
        need = max(size[0] / width, size[1] / height) * ZOOM / DRAFT_SLACK
        if opened.format == "JPEG" and need < 1:
            wanted = (
                max(1, math.ceil(opened.width * need)),
                max(1, math.ceil(opened.height * need)),
            )
            opened.draft(opened.mode, wanted)
        image = rgb(ImageOps.exif_transpose(opened))
    if is_fitted(image.size, size):
        return fitted_photo(image, size)
    thumb = thumbnail(image)
    interest = centre_of_interest(thumb)
    _, factor, start, end = plan_move(image.size, size, interest, nudge(thumb))
    return cropped_photo(image, size, factor, start, end, interest)


def cropped_photo(
    image: Image.Image,
    size: tuple[int, int],
    factor: float,
    start: Region,
    end: Region,
    interest: tuple[float, float],
) -> Photo:
    """The photo cut to what the move shows (`start`, `end`: regions of the image scaled by
    `factor`). Resampled once to that scale, unless the image (a JPEG reduced while decoding)
    is already within CLOSE of it: then only cut, each frame's resize taking the rest."""
    box = (
        max(0, math.floor(min(start[0], end[0]) / factor)),
        max(0, math.floor(min(start[1], end[1]) / factor)),
        min(image.width, math.ceil(max(start[2], end[2]) / factor)),
        min(image.height, math.ceil(max(start[3], end[3]) / factor)),
    )
    if 1 / CLOSE <= factor <= CLOSE:
        kept = image.crop(box)
    else:
        wanted = (round((box[2] - box[0]) * factor), round((box[3] - box[1]) * factor))
        kept = image.resize(wanted, Image.Resampling.BICUBIC, box=box, reducing_gap=2.0)
    sx, sy = kept.width / (box[2] - box[0]), kept.height / (box[3] - box[1])

    def inside(area: Region) -> Region:
        return (
            max(0.0, (area[0] / factor - box[0]) * sx),
            max(0.0, (area[1] / factor - box[1]) * sy),
            min(float(kept.width), (area[2] / factor - box[0]) * sx),
            min(float(kept.height), (area[3] / factor - box[1]) * sy),
        )

    return Photo(kept, inside(start), inside(end), size, interest, False)


def fitted_photo(image: Image.Image, size: tuple[int, int]) -> Photo:
    """The whole image (at most MAX_UPSCALE times its size) over a blurred, darkened fill
    of itself, zooming slowly into the middle."""
    width, height = size
    canvas = (round(width * ZOOM), round(height * ZOOM))
    cover = max(canvas[0] / image.width, canvas[1] / image.height)
    small = image.resize(
        (max(1, round(image.width * cover / 24)), max(1, round(image.height * cover / 24))),
        Image.Resampling.BOX,
        reducing_gap=2.0,
    ).filter(ImageFilter.GaussianBlur(2))
    fill = ImageOps.fit(small, (max(1, canvas[0] // 24), max(1, canvas[1] // 24)))
    back = fill.resize(canvas, Image.Resampling.BILINEAR)
    back = Image.blend(back, Image.new("RGB", canvas, (0, 0, 0)), 0.55)
    contain = min(canvas[0] / image.width, canvas[1] / image.height, MAX_UPSCALE * ZOOM)
    shown = image.resize(
        (max(1, round(image.width * contain)), max(1, round(image.height * contain))),
        Image.Resampling.LANCZOS,
        reducing_gap=3.0,
    )
    back.paste(shown, ((canvas[0] - shown.width) // 2, (canvas[1] - shown.height) // 2))
    start: Region = (0.0, 0.0, float(canvas[0]), float(canvas[1]))
    mx, my = (canvas[0] - width) / 2, (canvas[1] - height) / 2
    return Photo(back, start, (mx, my, mx + width, my + height), size, (0.5, 0.5), True)


def photo_frame(
    photo: Photo,
    t: float,
    figure: Figure,
    theme: Theme,
    size: tuple[int, int],
    logo: Path | None = None,
) -> Image.Image:
    """The frame at t in [0, 1] of the shot's move (0: start, 1: end); RGB, exactly `size`."""
    if tuple(size) != photo.size:
        raise ValueError(f"photo loaded for {photo.size}, drawn at {size}")
    look = look_for(photo, figure, theme, logo)
    area = photo.region(t)
    # BOX averages areas: exact for the move's slight reductions; a slight enlargement (an
    # image a little short of the end scale) is smoother interpolated.
    smooth = (
        Image.Resampling.BOX if area[2] - area[0] >= size[0] - 0.5 else Image.Resampling.BILINEAR
    )
    frame = look.image.resize(photo.size, smooth, box=area)
    for stamp in look.stamps:
        frame.paste(stamp.colour, stamp.position, stamp.mask)
    return frame


def photo_pixels(
    photo: Photo,
    t: float,
    figure: Figure,
    theme: Theme,
    size: tuple[int, int],
    logo: Path | None = None,
) -> bytes:
    """The RGB bytes of photo_frame's frame: what the encoder takes."""
    return pixels_of(photo_frame(photo, t, figure, theme, size, logo))


def look_for(photo: Photo, figure: Figure, theme: Theme, logo: Path | None) -> Look:
    """The Look of this photo in `theme`, drawn the first time it is asked for."""
    stamp = logo.stat().st_mtime_ns if logo is not None else None
    key = json.dumps(
        [figure.caption, figure.credit, theme.model_dump(mode="json"), str(logo), stamp]
    )
    if key not in photo.looks:
        if photo.looks:  # its pixels have the first look's scrim in them
            raise ValueError("a photo is drawn in one look: load it again for another")
        photo.looks[key] = draw_look(photo, figure, theme, logo)
    return photo.looks[key]


def draw_look(photo: Photo, figure: Figure, theme: Theme, logo: Path | None) -> Look:
    card = Card(image=Image.new("RGB", photo.size), safe=(0, 0, 0, 0))
    card.safe = blank_safe(card.image, theme)
    stamps: list[Stamp] = []
    image = photo.image
    text = caption_stamp(figure, theme, card)
    if text is not None:
        stamps.append(text)
        image = with_scrim(photo, text.box[1], theme)
    if logo is not None:
        stamps.append(logo_stamp(logo, theme, card))
    return Look(image, tuple(stamps), text.box if text is not None else None)


def caption_box(figure: Figure, theme: Theme, size: tuple[int, int]) -> Box | None:
    """Where the caption line goes in a frame of `size` (None without caption or credit)."""
    card = Card(image=Image.new("RGB", size), safe=(0, 0, 0, 0))
    card.safe = blank_safe(card.image, theme)
    stamp = caption_stamp(figure, theme, card)
    return stamp.box if stamp is not None else None


def credit_line(credit: str | None) -> str:
    credit = " ".join((credit or "").split())
    if not credit or credit.split(":")[0].lower() in ("photo", "foto", "image", "credit", "bild"):
        return credit
    return f"Photo: {credit}"


def caption_stamp(figure: Figure, theme: Theme, card: Card) -> Stamp | None:
    """The caption (two lines at most) and the credit beneath it, left-aligned beside an
    accent rule, ending just above the caption zone, on a soft shadow of its own."""
    caption = " ".join((figure.caption or "").split())
    credit = credit_line(figure.credit)
    if not caption and not credit:
        return None
    left, _, right, _ = card.safe
    bar, gap, pad = scale(card, 6), scale(card, 18), scale(card, 14)
    room = right - left - bar - gap if portrait(card.image.size) else round((right - left) * 0.62)
    face = chain(theme.font_paths(False), scale(card, theme.meta_size + 4))
    small = chain(theme.font_paths(False), scale(card, theme.meta_size * 0.8))
    lines = wrap(caption, face, room, CAPTION_LINES) if caption else []
    if len(lines) > CAPTION_LINES:
        lines = truncate(lines[:CAPTION_LINES], face, room)
    lines = [clip(line, face, room) for line in lines]
    step, small_step = round(face.size * theme.line_spacing), round(small.size * theme.line_spacing)
    space = scale(card, 6) if lines and credit else 0
    height = step * len(lines) + space + (small_step if credit else 0)
    credit = clip(credit, small, room) if credit else ""
    widths = [face.getlength(line) for line in lines] + [small.getlength(credit)]
    width = bar + gap + math.ceil(max(widths))
    bottom = caption_zone(card, theme)[1] - scale(card, 28)
    x0, y0 = left - pad, bottom - height - pad
    colour = Image.new("RGB", (width + 2 * pad, height + 2 * pad), (0, 0, 0))
    ink = Image.new("L", colour.size, 0)
    draws = (ImageDraw.Draw(colour), ImageDraw.Draw(ink))
    y = pad
    for line in lines:
        for draw, fill in zip(draws, (theme.text, "#FFFFFF"), strict=True):
            draw_text(draw, (pad + bar + gap, y), line, face, fill)
        y += step
    if credit:
        for draw, fill in zip(draws, (theme.muted, "#FFFFFF"), strict=True):
            draw_text(draw, (pad + bar + gap, y + space), credit, small, fill)
    for draw, fill in zip(draws, (theme.accent, "#FFFFFF"), strict=True):
        draw.rectangle((pad, pad + scale(card, 6), pad + bar - 1, pad + height - 1), fill=fill)
    shadow = ink.filter(ImageFilter.GaussianBlur(scale(card, 4))).point(lambda v: v * 0.6)
    return Stamp(colour, ImageChops.lighter(ink, shadow), (x0, y0))


def logo_stamp(path: Path, theme: Theme, card: Card) -> Stamp:
    """The brand logo at the top right of the safe area, as on every card."""
    left, top, right, _ = card.safe
    logo = logo_image(path, scale(card, theme.logo_size), (right - left) // 4)
    return Stamp(logo.convert("RGB"), logo.getchannel("A"), (right - logo.width, top))


def with_scrim(photo: Photo, text_top: int, theme: Theme) -> Image.Image:
    """The photo's pixels (not a copy) darkened toward the bottom, so the caption line reads on
    any photo: transparent well above the text, SCRIM from its top down. Each row of the photo
    gets the darker of what it needs where t=0 and t=1 put it in the frame, so the text has
    at least that much under it at every t of the move."""
    height = photo.size[1]
    ramp = max(1, round(0.2 * height))

    def alpha(y: float) -> float:
        return SCRIM * min(1.0, max(0.0, (y - (text_top - ramp)) / ramp))

    def on_screen(row: float, area: Region) -> float:
        return (row - area[1]) * height / (area[3] - area[1])

    column = [
        round(
            255
            * max(alpha(on_screen(row + 0.5, photo.start)), alpha(on_screen(row + 0.5, photo.end)))
        )
        for row in range(photo.image.height)
    ]
    mask = Image.new("L", (1, photo.image.height))
    mask.putdata(column)
    shade = tuple(int(theme.caption_background[i : i + 2], 16) for i in (1, 3, 5))
    image = photo.image  # drawn into: a photo has one look (look_for), and 9 MB less at 1080p
    image.paste(shade, (0, 0, *image.size), mask.resize(image.size, Image.Resampling.NEAREST))
    return image
