"""Assemble. Each scene's video is its pictures held for their frames (byte copy of
encoded keyframes and skip frames); the narration track is the scenes' AAC blocks back to
back; both go into the MP4, with the title and chapters, as they are (narrate/video/mp4.py).
Nothing is re-encoded here, and the video is written while the last blocks are encoded.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from narrate.cache import Cache, file_hash, make_key, place
from narrate.models import Script
from narrate.video.chapters import one_line
from narrate.video.encode import held, load_pack
from narrate.video.mp4 import WRITER_VERSION, Chapter, VideoSamples, write_mp4


def assemble(
    script: Script,
    packs: list[Callable[[], Path]],
    timelines: list[list[int]],
    blocks: list[Future[Path]],
    block_keys: list[str],
    fps: int,
    size: tuple[int, int],
    output: Path,
    cache: Cache,
    look_up: bool = True,
) -> Path:
    """Write the MP4 for a timed script to `output` (from the cache when nothing changed).

    `packs` give each scene's pack file, and `blocks` its narration block, when they are
    ready (each may still be encoding); `timelines` say, per scene, how many frames each of
    its pack's pictures shows. `block_keys` are the blocks' cache keys, which name their
    content. The finished video is looked up in the cache first when `look_up`; else it is
    written at once, scene by scene as its pictures and sound are ready.
    """
    chapters = [
        Chapter(scene.start or 0.0, scene.end or 0.0, one_line(scene.heading))
        for scene in script.scenes
    ]

    def key() -> str:
        return make_key(
            "video",
            packs=[file_hash(pack()) for pack in packs],
            timelines=timelines,
            fps=fps,
            size=size,
            blocks=block_keys,
            title=script.title,
            chapters=[(c.start, c.end, c.title) for c in chapters],
            writer=WRITER_VERSION,
        )

    if look_up and (entry := cache.get("video", key(), "mp4")):
        for block in blocks:  # let every block finish, as a render without the cache would
            block.result()
        return place(entry, output)

    samples = VideoSamples()
    scenes = (
        held(load_pack(pack()), runs, samples.convert)
        for pack, runs in zip(packs, timelines, strict=True)
    )
    audio = (block.result().read_bytes() for block in blocks)
    write_mp4(output, scenes, samples, fps, size, audio, script.title, chapters)
    cache.put("video", key(), "mp4", output)
    return output
