"""Where a photo's move goes: the image as 8-bit RGB whatever its mode, its centre of interest
(a cheap saliency estimate on a thumbnail, no model), and the move itself: from the crop that
fills the frame to one ZOOM times closer, toward the interest, no point of the frame travelling
more than TRAVEL of its diagonal (72 px at 1080p: about 1.2 px a tenth of a second over a
6-second shot, the pictures of a move being drawn ten a second: video/packs.py).
"""

from __future__ import annotations

import hashlib
import math
from typing import cast

from PIL import Image, ImageFilter, ImageStat

Region = tuple[float, float, float, float]  # left, top, right, bottom, in an image's pixels
Point = tuple[float, float]

ZOOM = 1.05  # the move's end, as a zoom of the frame-filling crop
TRAVEL = 0.033  # the most any point of the frame moves over a shot, of the frame's diagonal
MAX_UPSCALE = 5.0  # a smaller photo is shown whole over a blurred fill of itself
MIN_KEPT = 0.3  # so is one whose crop would keep less than this of its width or height
THUMB = 64  # the longer side of the thumbnail the centre of interest is found on


def rgb(image: Image.Image) -> Image.Image:
    """An image of any mode as 8-bit RGB: 16-bit and float grey scaled to its range,
    transparency laid over white (as on the page it came from), CMYK and palettes converted."""
    image.load()
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        grey = image.convert("F") if image.mode == "F" else image.convert("I")
        low, high = cast(tuple[float, float], grey.getextrema())
        top = 255.0 if high <= 255 and low >= 0 else float(high - low) or 1.0
        shift = 0.0 if top == 255.0 else float(low)
        return grey.point(lambda v: (v - shift) * (255.0 / top)).convert("L").convert("RGB")
    if "transparency" in image.info or image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        over = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(over, image.convert("RGBA")).convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


def is_fitted(source: tuple[int, int], size: tuple[int, int]) -> bool:
    """Whether the image is shown whole: too small to fill the frame, or so long or tall
    that filling the frame would keep less than MIN_KEPT of it."""
    (w, h), (width, height) = source, size
    cover = max(width / w, height / h)
    kept = min(width / (w * cover), height / (h * cover))
    return cover * ZOOM > MAX_UPSCALE or kept < MIN_KEPT


def thumbnail(image: Image.Image) -> Image.Image:
    """The image THUMB pixels on its longer side (its shape kept)."""
    w, h = image.size
    longer = max(w, h)
    return image.resize(
        (max(3, round(THUMB * w / longer)), max(3, round(THUMB * h / longer))),
        Image.Resampling.BOX,
        reducing_gap=2.0,
    )


def centre_of_interest(thumb: Image.Image) -> tuple[float, float]:
    """Where the eye goes, as fractions of the width and height: the centroid of detail
    (edges) and of colours unlike the picture's average, on a thumbnail, with a mild pull
    to the middle and to the upper third, where faces and people usually are."""
    tw, th = thumb.size
    # Detail at the scale of objects, not of texture: edges averaged over their neighbours.
    edges = list(
        thumb.convert("L").filter(ImageFilter.FIND_EDGES).filter(ImageFilter.BoxBlur(2)).getdata()
    )
    ycc = thumb.filter(ImageFilter.GaussianBlur(1)).convert("YCbCr")
    mean = ImageStat.Stat(ycc).mean
    colour = [
        math.sqrt((y - mean[0]) ** 2 + 9 * (cb - mean[1]) ** 2 + 9 * (cr - mean[2]) ** 2)
        for y, cb, cr in cast(list[tuple[int, int, int]], list(ycc.getdata()))
    ]
    edge_mean = sum(edges) / len(edges) or 1.0
    colour_mean = sum(colour) / len(colour) or 1.0
    weights = [
        0.0
        if not (2 < index % tw < tw - 3 and 2 < index // tw < th - 3)  # edges of borders
        else edge / edge_mean + distinct / colour_mean
        for index, (edge, distinct) in enumerate(zip(edges, colour, strict=True))
    ]
    # The most salient tenth of the thumbnail, by how far each stands above the rest.
    floor = sorted(weights)[int(len(weights) * 0.9)]
    total = sx = sy = 0.0
    for index, weight in enumerate(weights):
        if weight > floor:
            total += weight - floor
            sx += (weight - floor) * (index % tw + 0.5) / tw
            sy += (weight - floor) * (index // tw + 0.5) / th
    x, y = (sx / total, sy / total) if total else (0.5, 0.5)
    return (0.8 * x + 0.2 * 0.5, 0.75 * y + 0.25 * (1 / 3))


def nudge(thumb: Image.Image) -> tuple[float, float]:
    """A small drift (fractions of the frame) in a direction of the image's own: a photo
    whose interest is in the middle still moves its own way, the same way every time."""
    digest = hashlib.blake2b(thumb.tobytes(), digest_size=2).digest()
    angle = int.from_bytes(digest, "big") / 65536 * 2 * math.pi
    return (0.03 * math.cos(angle), 0.03 * math.sin(angle))


def plan_move(
    source: tuple[int, int],
    size: tuple[int, int],
    interest: tuple[float, float],
    drift: tuple[float, float] = (0.0, 0.0),
) -> tuple[float, float, Region, Region]:
    """(zoom, scale, start, end): the move over the source scaled by `scale` (the end's), from
    the frame-filling crop around `interest` to one `zoom` times closer, toward `interest`
    (and `drift`, when the interest is near the middle), within the travel allowed."""
    (w, h), (width, height) = source, size
    limit = TRAVEL * math.hypot(width, height)
    zoom = min(ZOOM, 1 + 0.98 * limit / (math.hypot(width, height) / 2))
    factor = max(width / w, height / h) * zoom
    full = (w * factor, h * factor)
    point = (interest[0] * full[0], interest[1] * full[1])
    start = placed(point, (width * zoom, height * zoom), full)
    if abs(interest[0] - 0.5) < 0.08 and abs(interest[1] - 0.5) < 0.08:
        point = (point[0] + drift[0] * width, point[1] + drift[1] * height)
    want = placed(point, (width, height), full)
    low, high = 0.0, 1.0  # how far toward `want` the end goes: bisect on the travel
    end = start
    for _ in range(16):
        middle = (low + high) / 2
        guess = (start[0] + (want[0] - start[0]) * middle, start[1] + (want[1] - start[1]) * middle)
        if travel(start, guess, zoom, size) <= limit:
            low, end = middle, guess
        else:
            high = middle
    if travel(start, want, zoom, size) <= limit:
        end = want
    return zoom, factor, region(start, (width * zoom, height * zoom)), region(end, size)


def placed(point: Point, box: Point, full: Point) -> Point:
    """The centre of a `box` as near `point` as it can be while inside `full`."""
    x, y = (min(max(p, b / 2), f - b / 2) for p, b, f in zip(point, box, full, strict=True))
    return (x, y)


def region(centre: Point, box: Point) -> Region:
    return (
        centre[0] - box[0] / 2,
        centre[1] - box[1] / 2,
        centre[0] + box[0] / 2,
        centre[1] + box[1] / 2,
    )


def travel(start: Point, end: Point, zoom: float, size: tuple[int, int]) -> float:
    """How far the frame's farthest-moving point moves from t=0 to t=1, in frame pixels."""
    width, height = size
    ox = (start[0] - width * zoom / 2) - (end[0] - width / 2)
    oy = (start[1] - height * zoom / 2) - (end[1] - height / 2)
    return max(
        math.hypot(ox + x * (zoom - 1), oy + y * (zoom - 1))
        for x in (0, width)
        for y in (0, height)
    )
