"""Encoding a scene's pictures cheaply: each picture once, whatever it is on screen for.

A scene shows a fixed sequence of still pictures: its card, the card with each caption in
turn, the card again. x264 encodes each picture once, as one frame (a keyframe where a
sentence's captions begin, P frames that code only the caption band between), in one
process per scene fed raw frames on a pipe. The scene's video is then put together by byte
copy: each picture's frame when it appears, then, for every frame it stays, a frame in
which every macroblock is skipped (written here, see h264.skip_frame). Encoding cost no
longer depends on how long anything is on screen.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, cast

from narrate.cache import Cache, make_key
from narrate.video.ffmpeg import run_ffmpeg_fed
from narrate.video.h264 import (
    Numbering,
    access_units,
    is_idr,
    parameters,
    pps_of,
    renumber,
    skip_frame,
    sps_of,
)

# x264's superfast preset: a card's keyframe as sharp as veryfast's (54.0 against 54.1 dB
# PSNR at 1080p) in 2.5% more bytes, and a quarter less time over a render's pictures; a
# moving photo's pictures take 40% less (30 against 50 ms at 1080p).
X264_ARGS = [
    *("-c:v", "libx264", "-preset", "superfast", "-tune", "stillimage", "-crf", "18"),
    *("-profile:v", "high", "-pix_fmt", "yuv420p", "-forced-idr", "1"),
    "-x264-params",
    "keyint=600:min-keyint=1:scenecut=0:bframes=0:ref=1:aud=1:repeat-headers=1:stitchable=1"
    # CAVLC, like the skip frames (h264.skip_frame): one PPS and one entropy coding for every
    # picture of the video (README, Speed, says what it costs)
    ":threads=1:rc-lookahead=0:mbtree=0:sync-lookahead=0:weightp=0:cabac=0",
]


# Pictures fed to x264 ahead of those it has encoded: enough to keep it busy, few enough that
# ffmpeg's queues do not hold a dozen 1080p frames (50 MB) when the pictures come faster.
AHEAD = 4
# Pictures of still backdrops converted from RGB by ffmpeg rather than here, at most (an
# edit's sentence: importing numpy and OpenCV takes 0.1 s, converting one picture 6 ms more).
FEW = 8


class Encoders:
    """How many x264 processes may run at once: as many as the pool has threads, or one
    while `narrowed`: a render narrows it while its narration is spoken (the speech worker and
    one encoder keep both cores busy; a second 1080p encoder would only add its 90 MB)."""

    def __init__(self) -> None:
        self.one = threading.Lock()
        self.narrow = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        if not self.narrow:
            yield
            return
        with self.one:
            yield

    @contextmanager
    def narrowed(self) -> Iterator[None]:
        self.narrow += 1
        try:
            yield
        finally:
            self.narrow -= 1


ENCODERS = Encoders()


@dataclass
class Pack:
    """A scene's encoded pictures: one frame each (keyframes and P frames)."""

    pictures: list[bytes]
    rules: Numbering
    # skip frames by slot (frame numbers wrap), as each conversion (held()'s `convert`) made them
    converted: dict[Callable[[bytes], bytes], dict[int, bytes]] = field(default_factory=dict)


def encode_pictures(
    pictures: list[Callable[[], bytes]],
    keyframes: set[int],
    size: tuple[int, int],
    fps: int,
    output: Path,
    x264: list[str] = X264_ARGS,
    pixel_format: str = "rgb24",
) -> list[bytes]:
    """One frame per picture (keyframes where asked, P frames between) as raw H.264;
    returns the access units. Pictures (RGB pixels, or YUV 4:2:0 planes: `pixel_format`
    yuv420p) are drawn one at a time as ffmpeg takes them, so memory stays flat."""
    width, height = size
    expected = width * height * (3 if pixel_format == "rgb24" else 3 / 2)

    def frames() -> Iterator[bytes]:
        for draw in pictures:
            pixels = draw()
            if len(pixels) != expected:  # ffmpeg would cut the pipe into other frames
                raise ValueError(
                    f"a picture of {len(pixels)} bytes, not {width}x{height} {pixel_format}"
                )
            yield pixels

    forced = "+".join(f"eq(n,{index})" for index in sorted(keyframes))
    with ENCODERS.turn():
        run_ffmpeg_fed(
            [
                "-y",
                # One thread converts the pixels to YUV: the same output, and less overhead
                # than a thread per core for the few frames a scene has (17 ms less for four).
                *("-filter_threads", "1"),
                *("-f", "rawvideo", "-pix_fmt", pixel_format, "-s", f"{width}x{height}"),
                *("-r", str(fps), "-i", "pipe:0"),
                *("-force_key_frames", f"expr:{forced}"),
                *x264,
                *("-an", "-fflags", "+bitexact", "-f", "h264", str(output)),
            ],
            frames(),
            "encoding the pictures of",
            output,
            AHEAD,
        )
    units = access_units(output.read_bytes())
    written = {index for index, unit in enumerate(units) if is_idr(unit)}
    if len(units) != len(pictures) or written != keyframes:
        raise RuntimeError(f"{output.name}: x264 did not write the frames asked for")
    return units


def load_pack(path: Path) -> Pack:
    """A pack file: one frame per picture, keyframes and P frames, a keyframe first."""
    pictures = access_units(path.read_bytes())
    if not pictures or not is_idr(pictures[0]):
        raise RuntimeError(f"{path.name}: not a pack of pictures")
    keyframes = [unit for unit in pictures if is_idr(unit)]
    if len({(sps_of(unit), pps_of(unit)) for unit in keyframes}) != 1:
        raise RuntimeError(f"{path.name}: pictures encoded with different parameter sets")
    return Pack(pictures=pictures, rules=parameters(sps_of(pictures[0]), pps_of(pictures[0])))


@dataclass(frozen=True)
class Run:
    """Pictures that start with a keyframe and go on in P frames: the unit that is cached."""

    identity: dict[str, object]
    pictures: list[Callable[[], bytes]]  # each picture's RGB pixels, drawn when needed


def pack_for(
    runs: list[Run],
    size: tuple[int, int],
    fps: int,
    path: Path,
    cache: Cache,
    x264: list[str] = X264_ARGS,
    pixel_format: str = "rgb24",
) -> Path:
    """A scene's pack file, from runs cached one by one: editing one sentence's captions
    encodes only that sentence's run (x264 writes identical parameter sets in every process,
    with `stitchable`, so runs from different processes join)."""
    keys = [
        make_key("run", **run.identity, size=size, fps=fps, x264=x264, pixels=pixel_format)
        for run in runs
    ]
    found: dict[str, bytes] = {}
    for key in dict.fromkeys(keys):
        if (data := cache.read("run", key, "h264")) is not None:
            found[key] = data
    missing = [i for i, key in enumerate(keys) if key not in found and key not in keys[:i]]
    if missing:
        pictures = [draw for index in missing for draw in runs[index].pictures]
        starts, position = set(), 0
        for index in missing:
            starts.add(position)
            position += len(runs[index].pictures)
        given = pixel_format
        if given == "yuv420p" and few_and_still(pictures):  # ffmpeg converts: the same pictures
            pictures, given = [cast(Convertible, draw).rgb for draw in pictures], "rgb24"
        units = encode_pictures(pictures, starts, size, fps, path, x264, given)
        position = 0
        for index in missing:
            count = len(runs[index].pictures)
            found[keys[index]] = b"".join(units[position : position + count])
            cache.put_bytes("run", keys[index], "h264", found[keys[index]])
            position += count
    path.write_bytes(b"".join(found[key] for key in keys))
    return path


class Convertible(Protocol):
    """A picture that can also be drawn in RGB (video/painting.py Picture)."""

    still: bool

    def __call__(self) -> bytes: ...

    def rgb(self) -> bytes: ...


def few_and_still(pictures: list[Callable[[], bytes]]) -> bool:
    """Whether so few pictures, all over still backdrops, are to be encoded that ffmpeg had
    better convert them from RGB, in a process without numpy and OpenCV (an edit's)."""
    return (
        len(pictures) <= FEW
        and "cv2" not in sys.modules
        and all(getattr(draw, "still", False) for draw in pictures)
    )


def held(
    pack: Pack, timeline: list[int], convert: Callable[[bytes], bytes] = bytes
) -> tuple[list[bytes], list[int]]:
    """The scene's frames: picture i of the pack held for timeline[i] frames (each >= 1),
    then the indices of its keyframes. Frames are numbered from the last keyframe, as H.264
    wants. Each distinct frame goes through `convert` once (to an MP4 sample, say)."""
    frames: list[bytes] = []
    keyframes: list[int] = []
    skips = pack.converted.setdefault(convert, {})
    period = 1 << (pack.rules.frame_num_bits + pack.rules.poc_lsb_bits)
    since = 0
    for picture, count in enumerate(timeline):
        if count < 1:
            raise ValueError("every picture of a scene must be shown for at least one frame")
        unit = pack.pictures[picture]
        if is_idr(unit):
            keyframes.append(len(frames))
            frames.append(convert(unit))
            since = 1
        else:
            frames.append(convert(renumber(unit, pack.rules, since)))
            since += 1
        for number in range(since, since + count - 1):
            slot = number % period
            if (skip := skips.get(slot)) is None:
                skip = skips[slot] = convert(skip_frame(pack.rules, slot))
            frames.append(skip)
        since += count - 1
    return frames, keyframes
