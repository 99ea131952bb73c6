"""Stage 5: assemble. Each scene's video is its pictures held for their frames (byte copy of
encoded keyframes and skip frames); the narration track is the scenes' AAC blocks back to
back; both go into the MP4, with the title and chapters, as they are (narrate/mp4.py).
Nothing is re-encoded here, and the video is written while the last blocks are encoded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from narrate.cache import Cache, file_hash, make_key, place
from narrate.chapters import one_line
from narrate.encode import hold, load_pack
from narrate.models import Script
from narrate.mp4 import Chapter, write_mp4


def assemble(
    script: Script,
    packs: list[Path],
    timelines: list[list[int]],
    blocks: Iterable[Path],
    block_keys: list[str],
    fps: int,
    size: tuple[int, int],
    output: Path,
    cache: Cache,
) -> Path:
    """Write the MP4 for a timed script to `output` (from the cache when nothing changed).

    `timelines` says, per scene, how many frames each of its pack's pictures shows.
    `blocks` yields each scene's narration block in order, possibly as each is encoded;
    `block_keys` are their cache keys, which name their content.
    """
    chapters = [
        Chapter(scene.start or 0.0, scene.end or 0.0, one_line(scene.heading))
        for scene in script.scenes
    ]
    key = make_key(
        "video",
        packs=[file_hash(pack) for pack in packs],
        timelines=timelines,
        fps=fps,
        size=size,
        blocks=block_keys,
        title=script.title,
        chapters=[(c.start, c.end, c.title) for c in chapters],
    )
    if entry := cache.get("video", key, "mp4"):
        for _ in blocks:  # let every block finish, as a render without the cache would
            pass
        return place(entry, output)

    def frames() -> Iterator[bytes]:
        for pack, runs in zip(packs, timelines, strict=True):
            yield from hold(load_pack(pack), runs, fps)

    audio = (block.read_bytes() for block in blocks)
    write_mp4(output, frames(), fps, size, audio, script.title, chapters)
    cache.put("video", key, "mp4", output)
    return output
