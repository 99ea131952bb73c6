"""Moving pictures in the encoder's own pixels: YUV 4:2:0 planes, made with OpenCV.

A moving photo's picture is its look (the photo with its scrim, pictures/photo.py) resampled
to where the move is at t, with what stays put on screen (the caption line, the logo, the
caption strip) laid over it. Pillow's resize took 30 ms a 1080p picture and ffmpeg's RGB to
YUV conversion 8 more; OpenCV's warpAffine of the three planes takes about 5, and x264 takes
the planes as they are (README, Speed). What stays put is drawn once, over black and over
white (what it adds, and how much of what is under it shows through), converted once, and
laid over each picture in integers, only over the rows it covers.

Colours are BT.601 in the limited range, as ffmpeg converts the still pictures' RGB: a still
and a moving picture of the same pixels differ by a level at most.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from narrate.pictures.canvas import pixels_of
from narrate.pictures.framing import Region

Box = tuple[int, int, int, int]

cv2.setNumThreads(1)  # the pool's threads and the encoders already use every core
ROUND = 128  # adds a half before the fixed-point (x256) results are cut to 8 bits


def i420(pixels: bytes, size: tuple[int, int]) -> bytes:
    """RGB bytes of a `size` picture as YUV 4:2:0 (planar: Y, then U, then V)."""
    width, height = size
    rgb = np.frombuffer(pixels, np.uint8).reshape(height, width, 3)
    return bytes(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).data)


def with_rows(base: bytes, under: bytes, rows: bytes, top: int, size: tuple[int, int]) -> bytes:
    """YUV 4:2:0 `base` with RGB `rows` (from row `top` on) in place of its own: those rows
    converted alone, widened to even rows from `under` (the RGB of `base`) where they start
    or end on an odd one, as 4:2:0 pairs rows."""
    width, height = size
    line = 3 * width
    count = len(rows) // line
    before, after = top % 2, (top + count) % 2
    if before or after:
        whole = memoryview(under)
        rows = b"".join(
            (whole[(top - before) * line : top * line], rows,
             whole[(top + count) * line : (top + count + after) * line])
        )  # fmt: skip
        top, count = top - before, count + before + after
    if not count:
        return base
    flat = cv2.cvtColor(
        np.frombuffer(rows, np.uint8).reshape(count, width, 3), cv2.COLOR_RGB2YUV_I420
    ).reshape(-1)
    luma, quarter, half = width * height, width * height // 4, width // 2
    parts, at = [], 0
    new = memoryview(flat.data)
    old = memoryview(base)
    for plane_start, row_size, first, rows_in in (
        (0, width, top, count),
        (luma, half, top // 2, count // 2),
        (luma + quarter, half, top // 2, count // 2),
    ):
        start = plane_start + first * row_size
        taken = row_size * rows_in
        parts += [old[at:start], new[:taken]]
        new, at = new[taken:], start + taken
    parts.append(old[at:])
    return b"".join(parts)


def blend(first: bytes, second: bytes, share: float) -> bytes:
    """Two pictures' planes mixed, `share` of the second (as Pillow's Image.blend mixes RGB:
    the conversion is linear, so mixing the planes is the same to a level)."""
    a, b = np.frombuffer(first, np.uint8), np.frombuffer(second, np.uint8)
    return bytes(cv2.addWeighted(a, 1.0 - share, b, share, 0.0).data)


def split(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RGB pixels' Y, U and V planes (an odd side repeats its last row or column)."""
    height, width = rgb.shape[:2]
    if height % 2 or width % 2:
        rgb = np.pad(rgb, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")
        height, width = rgb.shape[:2]
    flat = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).reshape(-1)
    luma, quarter = width * height, width * height // 4
    return (
        flat[:luma].reshape(height, width),
        flat[luma : luma + quarter].reshape(height // 2, width // 2),
        flat[luma + quarter :].reshape(height // 2, width // 2),
    )


@dataclass(frozen=True)
class Band:
    """Rows top..bottom, columns left..right (even: the chroma planes' halves) of a layer:
    per plane, what it adds (x256) and how much of what is under shows through (x256)."""

    top: int
    bottom: int
    left: int
    right: int
    add: tuple[np.ndarray, np.ndarray, np.ndarray]
    keep: tuple[np.ndarray, np.ndarray]  # luma's, chroma's


@dataclass(frozen=True)
class Layer:
    """What stays put over a moving picture, in bands of rows."""

    bands: tuple[Band, ...]

    def lay(self, planes: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        for band in self.bands:
            for index, plane in enumerate(planes):
                half = 1 if index == 0 else 2
                under = plane[
                    band.top // half : band.bottom // half, band.left // half : band.right // half
                ]
                keep = band.keep[0 if index == 0 else 1]
                mixed = (band.add[index] + keep * under.astype(np.int32) + ROUND) >> 8
                np.clip(mixed, 0, 255, out=mixed)
                under[...] = mixed


def layer_of(boxes: list[Box], on_black: list[Image.Image], on_white: list[Image.Image]) -> Layer:
    """The layer drawn over black and over white, in the frame's `boxes` (from `joined`:
    left, top, right and bottom, even): what each box of each shows."""
    bands = []
    for box, black_box, white_box in zip(boxes, on_black, on_white, strict=True):
        black, white = rgb_of(black_box), rgb_of(white_box)
        # how much of what is under shows through, the least of the three colours': 255
        # where nothing is drawn (saturating: white is never darker than black)
        through = cv2.subtract(white, black).min(axis=2)
        covered = through < 255
        rows, columns = np.flatnonzero(covered.any(axis=1)), np.flatnonzero(covered.any(axis=0))
        if rows.size == 0:
            continue
        top, bottom = rows[0] // 2 * 2, min(through.shape[0], (rows[-1] + 2) // 2 * 2)
        left, right = columns[0] // 2 * 2, min(through.shape[1], (columns[-1] + 2) // 2 * 2)
        keep = (through[top:bottom, left:right].astype(np.int32) * 256 + 127) // 255  # to 256
        quad = keep.reshape(keep.shape[0] // 2, 2, keep.shape[1] // 2, 2)
        chroma_keep = (quad.sum(axis=(1, 3)) + 2) // 4
        ys, yu, yv = split(np.ascontiguousarray(black[top:bottom, left:right]))
        add = (
            ys.astype(np.int32) * 256 - 16 * keep,
            yu.astype(np.int32) * 256 - 128 * chroma_keep,
            yv.astype(np.int32) * 256 - 128 * chroma_keep,
        )
        x, y = box[0] + int(left), box[1] + int(top)
        bands.append(
            Band(y, y + int(bottom - top), x, x + int(right - left), add, (keep, chroma_keep))
        )
    return Layer(tuple(bands))


def joined(boxes: list[Box], size: tuple[int, int]) -> list[Box]:
    """The boxes inside the frame, on even pixels (chroma's halves), overlapping ones as one."""
    width, height = size
    even = [
        (max(0, x0 // 2 * 2), max(0, y0 // 2 * 2), min(width, (x1 + 1) // 2 * 2),
         min(height, (y1 + 1) // 2 * 2))
        for x0, y0, x1, y1 in boxes
    ]  # fmt: skip
    out: list[Box] = []
    for box in sorted(b for b in even if b[2] > b[0] and b[3] > b[1]):
        for index, other in enumerate(out):
            if box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]:
                out[index] = (
                    min(box[0], other[0]), min(box[1], other[1]),
                    max(box[2], other[2]), max(box[3], other[3]),
                )  # fmt: skip
                break
        else:
            out.append(box)
    return out


def rgb_of(image: Image.Image) -> np.ndarray:
    """An image's RGB pixels as an array (height, width, 3)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return np.frombuffer(pixels_of(rgb), np.uint8).reshape(rgb.height, rgb.width, 3)


@dataclass(frozen=True)
class Source:
    """A moving picture's source (a photo's look), as planes."""

    planes: tuple[np.ndarray, np.ndarray, np.ndarray]

    @classmethod
    def of(cls, image: Image.Image) -> Source:
        return cls(split(rgb_of(image)))


def picture(source: Source, area: Region, size: tuple[int, int], layer: Layer) -> bytes:
    """The picture of `size` showing `area` of the source (bilinear: the move's slight
    scales, to within a 32nd of a pixel), the layer over it; YUV 4:2:0 bytes."""
    width, height = size
    out = np.empty(width * height * 3 // 2, np.uint8)
    luma, quarter = width * height, width * height // 4
    planes = (
        out[:luma].reshape(height, width),
        out[luma : luma + quarter].reshape(height // 2, width // 2),
        out[luma + quarter :].reshape(height // 2, width // 2),
    )
    sx, sy = (area[2] - area[0]) / width, (area[3] - area[1]) / height
    for index, (plane, into) in enumerate(zip(source.planes, planes, strict=True)):
        half = 1 if index == 0 else 2
        # pixel centres: x in the source = sx * (x + 0.5) - 0.5 + the area's left edge
        matrix = np.array(
            [
                [sx, 0.0, area[0] / half + 0.5 * sx - 0.5],
                [0.0, sy, area[1] / half + 0.5 * sy - 0.5],
            ]
        )
        cv2.warpAffine(
            plane,
            matrix,
            (into.shape[1], into.shape[0]),
            dst=into,
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
    layer.lay(planes)
    return bytes(out.data)
