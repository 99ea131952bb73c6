"""Encoding still cards cheaply: each distinct card is encoded once, as a one-second chunk.

A still card does not need every frame pushed through a pipe. ffmpeg decodes the PNG once,
converts it to yuv420p once, repeats it in memory, and x264 encodes one second of it (one
keyframe, then frames that are all skip blocks). A scene of N frames is that chunk joined to
itself by stream copy N // fps times, plus the first N % fps frames of it: every scene starts
on a keyframe, timing stays frame-exact, and the cost per scene no longer grows with its length.
"""

from __future__ import annotations

from pathlib import Path

from narrate.cache import Cache, file_hash, make_key, place
from narrate.ffmpeg import run_ffmpeg

X264_ARGS = [
    *("-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-crf", "18"),
    *("-profile:v", "high", "-pix_fmt", "yuv420p", "-bf", "0"),
]


def chunk_frames(fps: int) -> int:
    return fps  # one second: a keyframe every second keeps seeking quick


def encode_chunk(card: Path, fps: int, output: Path) -> Path:
    """`chunk_frames(fps)` frames of `card`, starting with a keyframe and holding no other."""
    frames = chunk_frames(fps)
    run_ffmpeg(
        [
            "-y",
            *("-i", str(card)),
            *("-vf", f"format=yuv420p,loop=loop={frames - 1}:size=1:start=0,setpts=N/{fps}/TB"),
            *("-r", str(fps), "-frames:v", str(frames)),
            *X264_ARGS,
            *("-x264-params", f"keyint={frames}:min-keyint={frames}:scenecut=0"),
            *("-an", "-map_metadata", "-1", "-fflags", "+bitexact", str(output)),
        ],
        "encoding the card",
        card,
    )
    return output


def chunk_for(card: Path, fps: int, folder: Path, cache: Cache) -> Path:
    """The encoded chunk for `card`, from the cache when it was encoded before."""
    key = make_key("chunk", card=file_hash(card), fps=fps, x264=X264_ARGS)
    destination = folder / f"{card.stem}.mp4"
    if entry := cache.get("chunk", key, "mp4"):
        return place(entry, destination)
    encode_chunk(card, fps, destination)
    cache.put("chunk", key, "mp4", destination)
    return destination


def concat_entries(chunk: Path, frames: int, fps: int) -> list[str]:
    """Concat-demuxer lines holding `chunk` on screen for exactly `frames` frames."""
    whole, rest = divmod(frames, chunk_frames(fps))
    line = f"file '{escape(chunk.resolve())}'\n"
    entries = [line] * whole
    if rest:
        # The demuxer drops packets from `outpoint` on: floor to the microsecond keeps frame
        # rest-1 (at (rest-1)/fps) and drops frame `rest`.
        outpoint = (rest * 1_000_000) // fps
        entries.append(f"{line}outpoint {outpoint}us\n")
    return entries


def escape(path: Path) -> str:
    return str(path).replace("'", "'\\''")
