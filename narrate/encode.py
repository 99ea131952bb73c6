"""Encoding a scene's pictures cheaply: each distinct picture is encoded once, as one keyframe.

A scene shows a few still pictures: its card, and the card with each caption. x264 encodes
each of them once as an IDR frame (with its parameter sets), in one process per scene fed
raw frames on a pipe, plus one "skip" frame (every block copies the frame before). The
scene's video is then assembled by byte copy: a picture's IDR, then the skip frame renumbered
for each following frame, with the IDR repeated every KEYFRAME_SECONDS so seeking stays
quick. Encoding cost no longer depends on how long anything is on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from narrate.cache import Cache, make_key
from narrate.ffmpeg import run_ffmpeg_fed
from narrate.h264 import Numbering, access_units, is_idr, numbering, renumber, sps_of

KEYFRAME_SECONDS = 2.0
X264_ARGS = [
    *("-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-crf", "18"),
    *("-profile:v", "high", "-pix_fmt", "yuv420p", "-forced-idr", "1"),
    "-x264-params",
    "keyint=600:min-keyint=1:scenecut=0:bframes=0:ref=1:aud=1:repeat-headers=1:stitchable=1"
    ":threads=2",
]
SKIP_MAX_BYTES = 4096  # a frame of nothing but skipped blocks is tiny at any size
EXTRA_FRAMES = 3  # the last picture again: x264 settles, the last of them is a pure skip


@dataclass
class Pack:
    """A scene's encoded pictures: one IDR access unit each, and one skip frame."""

    pictures: list[bytes]
    skip: bytes
    rules: Numbering
    _skips: dict[int, bytes] = field(default_factory=dict)

    def skip_frame(self, since_keyframe: int) -> bytes:
        if since_keyframe not in self._skips:
            self._skips[since_keyframe] = renumber(self.skip, self.rules, since_keyframe)
        return self._skips[since_keyframe]


def encode_pack(
    pictures: list[Callable[[], Image.Image]], size: tuple[int, int], fps: int, output: Path
) -> Path:
    """One IDR per picture, then EXTRA_FRAMES of the last picture, as raw H.264. Pictures
    are drawn one at a time as ffmpeg takes them, so memory stays flat."""
    width, height = size

    def frames() -> Iterator[bytes]:
        for draw in pictures:
            frame = draw().convert("RGB").tobytes()
            yield frame
        for _ in range(EXTRA_FRAMES):
            yield frame

    run_ffmpeg_fed(
        [
            "-y",
            *("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}"),
            *("-r", str(fps), "-i", "pipe:0"),
            *("-force_key_frames", f"expr:lt(n,{len(pictures)})"),
            *X264_ARGS,
            *("-an", "-fflags", "+bitexact", "-f", "h264", str(output)),
        ],
        frames(),
        "encoding the pictures of",
        output,
    )
    if len(load_pack(output).pictures) != len(pictures):  # fail now if x264 did otherwise
        raise RuntimeError(f"{output.name}: x264 did not write one keyframe per picture")
    return output


def load_pack(path: Path) -> Pack:
    """A pack file: its leading keyframes are the pictures, its last frame the skip."""
    units = access_units(path.read_bytes())
    count = next((i for i, unit in enumerate(units) if not is_idr(unit)), len(units))
    if len(units) != count + EXTRA_FRAMES:
        raise RuntimeError(f"{path.name}: {len(units)} frames, expected {count + EXTRA_FRAMES}")
    pictures, skip = units[:count], units[-1]
    if not pictures or is_idr(skip):
        raise RuntimeError(f"{path.name}: x264 did not write one keyframe per picture")
    if len({sps_of(unit) for unit in pictures}) != 1:
        raise RuntimeError(f"{path.name}: pictures encoded with different parameter sets")
    if len(skip) > SKIP_MAX_BYTES:
        raise RuntimeError(f"{path.name}: the last frame is not a pure skip frame")
    return Pack(pictures=pictures, skip=skip, rules=numbering(sps_of(pictures[0])))


@dataclass(frozen=True)
class Picture:
    """One still picture of a scene: what it depends on, and how to draw it when needed."""

    identity: dict[str, object]
    draw: Callable[[], Image.Image]


def pack_for(
    pictures: list[Picture], size: tuple[int, int], fps: int, path: Path, cache: Cache
) -> Path:
    """A scene's pack file: each picture's keyframe, then skip frames.

    Keyframes are cached one picture at a time (x264 writes identical parameter sets in every
    run with `stitchable`), so editing one caption encodes only that caption's picture.
    """
    keys = [make_key("picture", **p.identity, fps=fps, x264=X264_ARGS) for p in pictures]
    skip_key = make_key("skip", size=size, fps=fps, x264=X264_ARGS)
    units: dict[str, bytes] = {}
    for key in dict.fromkeys(keys):
        if entry := cache.get("picture", key, "h264"):
            units[key] = entry.read_bytes()
    skip_entry = cache.get("skip", skip_key, "h264")
    skip = skip_entry.read_bytes() if skip_entry else b""
    missing = [key for key in dict.fromkeys(keys) if key not in units]
    if missing or not skip:
        todo = missing or keys[:1]
        draws = [pictures[keys.index(key)].draw for key in todo]
        encoded = load_pack(encode_pack(draws, size, fps, path))
        for key, unit in zip(todo, encoded.pictures, strict=True):
            units[key] = unit
            store(cache, "picture", key, unit, path)
        skip = encoded.skip
        store(cache, "skip", skip_key, skip, path)
    path.write_bytes(b"".join(units[key] for key in keys) + skip * EXTRA_FRAMES)
    return path


def store(cache: Cache, kind: str, key: str, data: bytes, beside: Path) -> None:
    temporary = beside.with_name(f"{beside.stem}-{key}.h264")
    temporary.write_bytes(data)
    cache.put(kind, key, "h264", temporary)
    temporary.unlink()


def hold(pack: Pack, timeline: list[tuple[int, int]], fps: int) -> Iterator[bytes]:
    """Frames showing picture i for n frames, for each (i, n) of the timeline."""
    keyframe_every = max(1, round(KEYFRAME_SECONDS * fps))
    for picture, frames in timeline:
        for frame in range(frames):
            since = frame % keyframe_every
            yield pack.pictures[picture] if since == 0 else pack.skip_frame(since)
