"""Stage 5: assemble. Scene segments are joined by stream copy and the narration track, built
from per-scene AAC blocks, is muxed alongside: nothing is re-encoded here.
"""

from __future__ import annotations

from pathlib import Path

from narrate.audio import join_blocks
from narrate.cache import Cache, file_hash, make_key, place
from narrate.encode import escape
from narrate.ffmpeg import run_ffmpeg
from narrate.models import Script


def assemble(
    script: Script,
    segments: list[Path],
    blocks: list[Path],
    work: Path,
    output: Path,
    cache: Cache,
) -> Path:
    """Write the MP4 for a timed script to `output` (from the cache when nothing changed)."""
    key = make_key(
        "video",
        segments=[file_hash(segment) for segment in segments],
        blocks=[file_hash(block) for block in blocks],
        title=script.title,
    )
    if entry := cache.get("video", key, "mp4"):
        return place(entry, output)
    narration = join_blocks(blocks, work / "narration.aac")
    listing = work / "segments.txt"
    listing.write_text("".join(f"file '{escape(s.resolve())}'\n" for s in segments), "utf-8")
    run_ffmpeg(
        [
            "-y",
            *("-f", "concat", "-safe", "0", "-i", str(listing)),
            *("-f", "aac", "-i", str(narration)),
            *("-map", "0:v:0", "-map", "1:a:0", "-c", "copy"),
            *("-metadata", f"title={script.title}", "-fflags", "+bitexact"),
            *("-movflags", "+faststart", str(output)),
        ],
        "writing the video",
        output,
    )
    cache.put("video", key, "mp4", output)
    return output
