"""Encoding still cards cheaply: each distinct card is encoded once, as a one-second chunk.

A still card does not need every frame pushed through a pipe. ffmpeg decodes the PNG once,
converts it to yuv420p once, repeats it in memory, and x264 encodes one second of it: one
keyframe (with its parameter sets), then frames that are all skip blocks, as a raw H.264
stream with an access unit delimiter before every frame. A scene of N frames is that chunk
repeated N // fps times plus its first N % fps frames, by plain byte copy: every scene starts
on a keyframe (and has one every second), timing is frame-exact, and the encoding cost of a
scene does not grow with its length.
"""

from __future__ import annotations

from pathlib import Path

from narrate.cache import Cache, file_hash, make_key, place
from narrate.ffmpeg import run_ffmpeg

X264_ARGS = [
    *("-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-crf", "18"),
    *("-profile:v", "high", "-pix_fmt", "yuv420p", "-bf", "0"),
]
AUD = b"\x00\x00\x00\x01\x09"  # start code + access unit delimiter NAL (type 9), as x264 writes it


def chunk_frames(fps: int) -> int:
    return fps  # one second: a keyframe every second keeps seeking quick


def encode_chunk(card: Path, fps: int, output: Path) -> Path:
    """`chunk_frames(fps)` frames of `card` as raw H.264: one keyframe, then skip frames."""
    frames = chunk_frames(fps)
    run_ffmpeg(
        [
            "-y",
            *("-i", str(card)),
            *("-vf", f"format=yuv420p,loop=loop={frames - 1}:size=1:start=0,setpts=N/{fps}/TB"),
            *("-r", str(fps), "-frames:v", str(frames)),
            *X264_ARGS,
            *("-x264-params", f"keyint={frames}:min-keyint={frames}:scenecut=0:aud=1"),
            *("-an", "-fflags", "+bitexact", "-f", "h264", str(output)),
        ],
        "encoding the card",
        card,
    )
    if len(access_units(output.read_bytes())) != frames:
        raise RuntimeError(f"{output.name}: expected {frames} frames from x264")
    return output


def chunk_for(card: Path, fps: int, folder: Path, cache: Cache) -> Path:
    """The encoded chunk for `card`, from the cache when it was encoded before."""
    key = make_key("chunk", card=file_hash(card), fps=fps, x264=X264_ARGS)
    destination = folder / f"{card.stem}.h264"
    if entry := cache.get("chunk", key, "h264"):
        return place(entry, destination)
    encode_chunk(card, fps, destination)
    cache.put("chunk", key, "h264", destination)
    return destination


def access_units(stream: bytes) -> list[bytes]:
    """Split a raw H.264 stream written with aud=1 into its frames."""
    starts = []
    position = stream.find(AUD)
    while position != -1:
        starts.append(position)
        position = stream.find(AUD, position + len(AUD))
    if not starts or starts[0] != 0:
        raise ValueError("not an H.264 stream with access unit delimiters")
    return [stream[a:b] for a, b in zip(starts, [*starts[1:], len(stream)], strict=True)]


def hold(chunk: bytes, frames: int, fps: int) -> bytes:
    """The chunk repeated to exactly `frames` frames (each repetition starts on a keyframe)."""
    whole, rest = divmod(frames, chunk_frames(fps))
    return chunk * whole + b"".join(access_units(chunk)[:rest])
