"""Stage 5: assemble. Each scene's video is its pictures held for their frames (byte copy of
encoded keyframes and skip frames); the narration track is the scenes' AAC blocks back to
back; ffmpeg muxes both, with the chapters, into the MP4 by stream copy. Nothing is
re-encoded here, and the mux starts before the last block is encoded.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from narrate.cache import Cache, file_hash, make_key, place
from narrate.encode import hold, load_pack
from narrate.ffmpeg import run_ffmpeg_fed
from narrate.models import Script


def assemble(
    script: Script,
    packs: list[Path],
    timelines: list[list[int]],
    blocks: Iterable[Path],
    block_keys: list[str],
    metadata: Path,
    fps: int,
    work: Path,
    output: Path,
    cache: Cache,
) -> Path:
    """Write the MP4 for a timed script to `output` (from the cache when nothing changed).

    `timelines` says, per scene, how many frames each of its pack's pictures shows.
    `blocks` yields each scene's narration block in order, possibly as each is encoded;
    `block_keys` are their cache keys, which name their content. `metadata` is an ffmetadata
    file with the title and the chapters.
    """
    key = make_key(
        "video",
        packs=[file_hash(pack) for pack in packs],
        timelines=timelines,
        fps=fps,
        blocks=block_keys,
        metadata=file_hash(metadata),
    )
    if entry := cache.get("video", key, "mp4"):
        for _ in blocks:  # let every block finish, as a render without the cache would
            pass
        return place(entry, output)
    video = work / "video.h264"
    with video.open("wb") as out:
        for pack, runs in zip(packs, timelines, strict=True):
            out.writelines(hold(load_pack(pack), runs, fps))
    run_ffmpeg_fed(
        [
            "-y",
            *("-r", str(fps), "-f", "h264", "-i", str(video)),
            *("-f", "aac", "-i", "pipe:0"),
            *("-f", "ffmetadata", "-i", str(metadata)),
            *("-map", "0:v:0", "-map", "1:a:0", "-c", "copy"),
            *("-map_metadata", "2", "-map_chapters", "2", "-fflags", "+bitexact"),
            *("-movflags", "+faststart", str(output)),
        ],
        (block.read_bytes() for block in blocks),
        "writing the video",
        output,
    )
    cache.put("video", key, "mp4", output)
    return output
