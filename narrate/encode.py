"""Encoding still cards cheaply: each distinct card is encoded once, as a one-second chunk.

A still card does not need every frame pushed through a pipe. ffmpeg decodes the PNG once,
converts it to yuv420p once, repeats it in memory, and x264 encodes one second of it (one
keyframe, then frames that are all skip blocks). A scene of N frames is that chunk looped by
stream copy until N frames: every scene starts on a keyframe (and has one every second),
timing stays frame-exact, and encoding no longer grows with the scene's length.
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


def segment_for(chunk: Path, frames: int, fps: int, folder: Path, cache: Cache) -> Path:
    """A scene's video: its chunk looped by stream copy for exactly `frames` frames."""
    key = make_key("segment", chunk=file_hash(chunk), frames=frames, fps=fps)
    destination = folder / f"segment-{chunk.stem}.mp4"
    if entry := cache.get("segment", key, "mp4"):
        return place(entry, destination)
    run_ffmpeg(
        [
            "-y",
            *("-stream_loop", "-1", "-i", str(chunk)),
            *("-map", "0:v:0", "-c", "copy", "-frames:v", str(frames)),
            *("-map_metadata", "-1", "-fflags", "+bitexact", str(destination)),
        ],
        "joining the video of",
        chunk,
    )
    cache.put("segment", key, "mp4", destination)
    return destination


def escape(path: Path) -> str:
    return str(path).replace("'", "'\\''")
