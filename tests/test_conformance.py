"""What a strict player sees in a rendered MP4 (issue 11: hardware decoders we cannot run).

One SPS and one PPS, carried in avcC only; every slice written for that PPS, in its entropy
coding (CAVLC); the chapter track's durations agreeing with its samples; a clean decode by
ffmpeg at its strictest; held pictures that do not move.
"""

from __future__ import annotations

import re
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from narrate.models import Settings
from narrate.render import render
from narrate.video.ffmpeg import ffmpeg_exe
from narrate.video.h264 import Bits, unescape
from tests.conftest import FakeEngine

ARTICLE = """# Conformance

The first scene says a few words, then holds its card.

## Second scene

A second scene, with two sentences. Each gets its captions, and the card holds between.
"""
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"dinf", b"edts"}


@dataclass
class Box:
    kind: bytes
    payload: bytes
    children: list[Box]

    def find(self, *path: bytes) -> Box:
        box = self
        for kind in path:
            box = next(child for child in box.children if child.kind == kind)
        return box


def boxes(data: bytes) -> list[Box]:
    found, position = [], 0
    while position < len(data):
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[position + 8 : position + 16])[0], 16
        payload = data[position + header : position + size]
        found.append(Box(kind, payload, boxes(payload) if kind in CONTAINERS else []))
        position += size
    return found


def full(box: Box) -> bytes:
    return box.payload[4:]  # past version and flags


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("conformance")
    source = folder / "article.md"
    source.write_text(ARTICLE, encoding="utf-8")
    settings = Settings(width=320, height=180, out_dir=folder / "out")
    render(source, settings, engine=FakeEngine())
    (path,) = (folder / "out").glob("*/*.mp4")
    return path


@pytest.fixture(scope="module")
def movie(video: Path) -> Box:
    return Box(b"file", b"", boxes(video.read_bytes()))


def track(movie: Box, handler: bytes) -> Box:
    moov = movie.find(b"moov")
    return next(
        trak
        for trak in moov.children
        if trak.kind == b"trak" and full(trak.find(b"mdia", b"hdlr"))[4:8] == handler
    )


def samples(data: bytes, stbl: Box) -> list[bytes]:
    """Every sample of a track, from its size, chunk and offset tables."""
    (count,) = struct.unpack(">I", full(stbl.find(b"stsz"))[4:8])
    sizes = struct.unpack(f">{count}I", full(stbl.find(b"stsz"))[8 : 8 + 4 * count])
    stco = full(stbl.find(b"stco"))
    offsets = struct.unpack(f">{len(stco) // 4 - 1}I", stco[4:])
    stsc = full(stbl.find(b"stsc"))
    runs = [
        struct.unpack(">III", stsc[4 + 12 * i : 16 + 12 * i]) for i in range((len(stsc) - 4) // 12)
    ]
    found, sample = [], 0
    for chunk, offset in enumerate(offsets, start=1):
        per_chunk = next(n for first, n, _ in reversed(runs) if first <= chunk)
        for _ in range(per_chunk):
            found.append(data[offset : offset + sizes[sample]])
            offset += sizes[sample]
            sample += 1
    assert sample == count
    return found


def nal_units(sample: bytes) -> list[bytes]:
    units, position = [], 0
    while position < len(sample):
        (length,) = struct.unpack(">I", sample[position : position + 4])
        units.append(sample[position + 4 : position + 4 + length])
        position += 4 + length
    return units


def avc_config(video_track: Box) -> tuple[list[bytes], list[bytes]]:
    """The SPS and PPS NAL units of the avcC box."""
    entry = video_track.find(b"mdia", b"minf", b"stbl", b"stsd").payload[8:]
    assert entry[4:8] == b"avc1"
    config = entry[entry.index(b"avcC") + 4 :]
    position, sets = 6, []
    for count_mask in (0x1F, 0xFF):
        count = config[position - 1] & count_mask
        found = []
        for _ in range(count):
            (length,) = struct.unpack(">H", config[position : position + 2])
            found.append(config[position + 2 : position + 2 + length])
            position += 2 + length
        sets.append(found)
        position += 1
    return sets[0], sets[1]


def test_one_sps_and_one_pps_in_avcc_and_every_slice_uses_it(video: Path, movie: Box):
    # Issue 11: skip frames had their own CAVLC PPS (x264's is CABAC) and repeated it in
    # band, although parameter sets of an avc1 track belong in avcC: hardware decoders may
    # not switch entropy coding between pictures. One PPS now serves every picture.
    data = video.read_bytes()
    vide = track(movie, b"vide")
    sps, pps = avc_config(vide)
    assert (len(sps), len(pps)) == (1, 1)
    bits = Bits(unescape(pps[0][1:]))
    pps_id, _ = bits.ue(), bits.ue()
    assert bits.bit() == 0  # entropy_coding_mode_flag: CAVLC, x264's pictures and skip frames
    kinds: set[int] = set()
    frames = samples(data, vide.find(b"mdia", b"minf", b"stbl"))
    for sample in frames:
        for unit in nal_units(sample):
            kind = unit[0] & 0x1F
            kinds.add(kind)
            assert kind not in (7, 8), "a parameter set in a sample"
            if kind in (1, 5):
                header = Bits(unescape(unit[1:16]))
                header.ue()  # first_mb_in_slice
                header.ue()  # slice_type
                assert header.ue() == pps_id
    assert {1, 5} <= kinds
    assert len(frames) > 100  # held pictures: skip frames, numbered


def test_ffmpeg_decodes_it_strictly_without_a_word(video: Path):
    result = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-xerror", "-strict", "strict", "-err_detect", "explode",
         "-i", str(video), "-f", "null", "-"], capture_output=True, text=True,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")


def test_held_pictures_do_not_move(video: Path, movie: Box):
    # Every skip frame (a frame of a few bytes) decodes to the frame before it, exactly.
    data = video.read_bytes()
    frames = samples(data, track(movie, b"vide").find(b"mdia", b"minf", b"stbl"))
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(video), "-map", "0:v", "-f", "rawvideo",
         "-pix_fmt", "gray", "-"], capture_output=True, check=True,
    ).stdout  # fmt: skip
    pictures = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 180, 320)
    assert len(pictures) == len(frames)
    skips = [index for index, frame in enumerate(frames) if len(frame) < 64]
    assert len(skips) > len(frames) // 2
    for index in skips:
        assert np.array_equal(pictures[index], pictures[index - 1]), index


def test_chapter_track_lasts_as_long_as_its_samples(video: Path, movie: Box):
    # Issue 11: its tkhd gave the movie's duration, not its samples' (ISO/IEC 14496-12 8.3.2).
    text = track(movie, b"text")
    (movie_scale,) = struct.unpack(">I", full(movie.find(b"moov", b"mvhd"))[8:12])
    (track_duration,) = struct.unpack(">I", full(text.find(b"tkhd"))[16:20])
    media_scale, media_duration = struct.unpack(">II", full(text.find(b"mdia", b"mdhd"))[8:16])
    stts = full(text.find(b"mdia", b"minf", b"stbl", b"stts"))
    entries = [struct.unpack(">II", stts[4 + 8 * i : 12 + 8 * i]) for i in range(len(stts) // 8)]
    deltas = sum(count * delta for count, delta in entries)
    assert media_duration == deltas
    assert track_duration == round(deltas * movie_scale / media_scale)
    (movie_duration,) = struct.unpack(">I", full(movie.find(b"moov", b"mvhd"))[12:16])
    assert track_duration <= movie_duration


def test_chapter_names_read_back(video: Path):
    metadata = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(video), "-f", "ffmetadata", "-"],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    titles = re.findall(r"\[CHAPTER\][^\[]*?title=(.*)", metadata)
    assert titles == ["Conformance", "Second scene"]
