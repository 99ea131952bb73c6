"""Encoding a scene's pictures cheaply: each picture once, whatever it is on screen for.

A scene shows a fixed sequence of still pictures: its card, the card with each caption in
turn, the card again. x264 encodes that sequence once, one frame per picture (the first a
keyframe, the others P frames that code only what changed, the caption band), in one
process per scene fed raw frames on a pipe, then a "skip" frame in which every block copies
the frame before. The scene's video is put together by byte copy: each picture's frame when
it appears, then the skip frame renumbered (its frame_num) for every frame it stays.
Encoding cost no longer depends on how long anything is on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from narrate.cache import Cache, make_key, place
from narrate.ffmpeg import run_ffmpeg_fed
from narrate.h264 import Numbering, access_units, is_idr, numbering, renumber, sps_of

X264_ARGS = [
    *("-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-crf", "18"),
    *("-profile:v", "high", "-pix_fmt", "yuv420p", "-forced-idr", "1"),
    "-x264-params",
    "keyint=600:min-keyint=1:scenecut=0:bframes=0:ref=1:aud=1:repeat-headers=1:stitchable=1"
    ":threads=1:rc-lookahead=0:mbtree=0:sync-lookahead=0",
]
SKIP_MAX_BYTES = 4096  # a frame of nothing but skipped blocks is tiny at any size
EXTRA_FRAMES = 4  # the last picture again: x264 settles in two, the last is a pure skip


@dataclass
class Pack:
    """A scene's encoded pictures: one IDR access unit each, and one skip frame."""

    pictures: list[bytes]
    skip: bytes
    rules: Numbering
    _skips: dict[int, bytes] = field(default_factory=dict)

    def skip_frame(self, since_keyframe: int) -> bytes:
        """The skip frame numbered as the given frame after the keyframe."""
        period = 1 << (self.rules.frame_num_bits + self.rules.poc_lsb_bits)
        slot = since_keyframe % period
        if slot not in self._skips:
            self._skips[slot] = renumber(self.skip, self.rules, since_keyframe)
        return self._skips[slot]


def encode_pack(
    pictures: list[Callable[[], Image.Image]], size: tuple[int, int], fps: int, output: Path
) -> Path:
    """One frame per picture (a keyframe, then P frames), then EXTRA_FRAMES of the last
    picture, as raw H.264. Pictures are drawn one at a time as ffmpeg takes them."""
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
            *("-force_key_frames", "expr:eq(n,0)"),
            *X264_ARGS,
            *("-an", "-fflags", "+bitexact", "-f", "h264", str(output)),
        ],
        frames(),
        "encoding the pictures of",
        output,
    )
    if len(load_pack(output).pictures) != len(pictures):  # fail now if x264 did otherwise
        raise RuntimeError(f"{output.name}: x264 did not write one frame per picture")
    return output


def load_pack(path: Path) -> Pack:
    """A pack file: a keyframe and P frames, one per picture, then EXTRA_FRAMES."""
    units = access_units(path.read_bytes())
    if len(units) <= EXTRA_FRAMES:
        raise RuntimeError(f"{path.name}: {len(units)} frames is too few")
    pictures, skip = units[: len(units) - EXTRA_FRAMES], units[-1]
    if not is_idr(pictures[0]) or any(is_idr(unit) for unit in units[1:]):
        raise RuntimeError(f"{path.name}: x264 did not write one keyframe, then P frames")
    if len(skip) > SKIP_MAX_BYTES:
        raise RuntimeError(f"{path.name}: the last frame is not a pure skip frame")
    return Pack(pictures=pictures, skip=skip, rules=numbering(sps_of(pictures[0])))


def pack_for(
    pictures: list[Callable[[], Image.Image]],
    identity: dict[str, object],
    size: tuple[int, int],
    fps: int,
    path: Path,
    cache: Cache,
) -> Path:
    """The encoded pack for a scene's pictures (drawn only when not in the cache);
    `identity` names everything the pictures depend on."""
    key = make_key("pack", **identity, size=size, fps=fps, x264=X264_ARGS, extra=EXTRA_FRAMES)
    if entry := cache.get("pack", key, "h264"):
        return place(entry, path)
    encode_pack(pictures, size, fps, path)
    cache.put("pack", key, "h264", path)
    return path


def hold(pack: Pack, timeline: list[int], fps: int) -> Iterator[bytes]:
    """The scene's frames: picture i of the pack held for timeline[i] frames (each >= 1)."""
    since = 0
    for picture, frames in enumerate(timeline):
        if frames < 1:
            raise ValueError("every picture of a scene must be shown for at least one frame")
        for frame in range(frames):
            if picture == 0 and frame == 0:
                yield pack.pictures[0]
            elif frame == 0:
                yield renumber(pack.pictures[picture], pack.rules, since)
            else:
                yield pack.skip_frame(since)
            since += 1
