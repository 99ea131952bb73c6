"""Writing the MP4 ourselves: H.264 frames and AAC frames into an ISO base media file.

Every frame is copied as it is, so ffmpeg's mux adds nothing but time: it moves each of the
tens of thousands of tiny held frames through its packet pipeline (about 15 µs each, 0.13 s for
the bundled example). Here a frame costs a length prefix and a table entry.

The file: ftyp, moov (video, audio and a chapter text track; title and Nero chapters in
udta), then mdat, its samples interleaved in one-second chunks, so a browser can play it as
it downloads. The samples are written to a temporary file first, since moov comes first
and its tables are known only at the end (boxes.py builds moov then).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from narrate.video.boxes import (
    AAC_RATES,
    AAC_SAMPLES,
    AudioFormat,
    Chapter,
    Movie,
    Track,
    box,
    build_moov,
    chapter_samples,
)

# What this writer (and h264's skip frames) make, in the cache key of a finished video: a
# change to either changes it, so no video written the old way is taken from the cache.
WRITER_VERSION = 2


LARGE = 0xFFFFFFFF - (1 << 24)  # bytes past which offsets need 64 bits (moov's size kept aside)


class VideoSamples:
    """Annex B access units (start codes) to MP4 samples (length-prefixed NAL units). The
    parameter sets go to the avcC box only (an `avc1` stream carries them there, not in its
    samples), so they are taken out of the samples and noted."""

    def __init__(self) -> None:
        self.sps: dict[bytes, None] = {}
        self.pps: dict[bytes, None] = {}

    def convert(self, unit: bytes) -> bytes:
        parts = []
        for nal in nal_units(unit):
            kind = nal[0] & 0x1F
            if kind == 7:
                self.sps[nal] = None
            elif kind == 8:
                self.pps[nal] = None
            else:
                parts += [struct.pack(">I", len(nal)), nal]
        return b"".join(parts)


def nal_units(unit: bytes) -> Iterator[bytes]:
    """The NAL units of an Annex B access unit, without start codes (trailing zeros dropped)."""
    begin = unit.find(b"\x00\x00\x01")
    while begin != -1:
        end = unit.find(b"\x00\x00\x01", begin + 3)
        nal = unit[begin + 3 : len(unit) if end == -1 else end]
        yield nal.rstrip(b"\x00") if end != -1 else nal
        begin = end


def adts_bounds(data: bytes) -> Iterator[tuple[int, int, int]]:
    """Each ADTS frame's start, header length (7, or 9 with a CRC) and end in `data`."""
    position = 0
    while position < len(data):
        header = data[position : position + 7]
        if len(header) < 7 or header[0] != 0xFF or header[1] & 0xF6 != 0xF0:
            raise ValueError(f"not an ADTS frame at byte {position}")
        length = ((header[3] & 0x03) << 11) | (header[4] << 3) | (header[5] >> 5)
        skip = 7 if header[1] & 0x01 else 9  # protection_absent, else a CRC follows
        if length <= skip:
            raise ValueError(f"bad ADTS frame length at byte {position}")
        yield position, skip, position + length
        position += length


def adts_payloads(data: bytes) -> tuple[list[bytes], set[AudioFormat]]:
    """The raw AAC payloads of an ADTS stream (each frame's header dropped), and the formats
    its headers give."""
    payloads, kinds = [], set()
    position, size = 0, len(data)
    while position < size:  # adts_bounds, inlined: 48 kHz sound has 47 frames a second
        if size - position < 7 or data[position] != 0xFF or data[position + 1] & 0xF6 != 0xF0:
            raise ValueError(f"not an ADTS frame at byte {position}")
        length = (
            ((data[position + 3] & 0x03) << 11)
            | (data[position + 4] << 3)
            | (data[position + 5] >> 5)
        )
        skip = 7 if data[position + 1] & 0x01 else 9
        if length <= skip:
            raise ValueError(f"bad ADTS frame length at byte {position}")
        kinds.add((data[position + 2], data[position + 3] >> 6))
        payloads.append(data[position + skip : position + length])
        position += length
    formats = {
        AudioFormat(
            sample_rate=AAC_RATES[(profile_rate >> 2) & 0x0F],
            channels=((profile_rate & 0x01) << 2) | channels,
            object_type=(profile_rate >> 6) + 1,
        )
        for profile_rate, channels in kinds
    }
    return payloads, formats


class AudioFrames:
    """AAC frames from ADTS blocks, taken in order as the video reaches them."""

    def __init__(self, blocks: Iterable[bytes]) -> None:
        self.blocks = iter(blocks)
        self.formats: set[AudioFormat] = set()
        self.count = 0  # frames taken so far
        self._frames: list[bytes] = []
        self._at = 0

    def take_until(self, seconds: float | None) -> list[bytes]:
        """The frames that start before `seconds` (all that are left, when None)."""
        taken: list[bytes] = []
        while True:
            if self._at == len(self._frames):
                block = next(self.blocks, None)
                if block is None:
                    return taken
                self._frames, formats = adts_payloads(block)
                self.formats |= formats
                self._at = 0
                continue
            if seconds is not None:
                rate = next(iter(self.formats)).sample_rate
                due = -(-round(seconds * rate * 1000) // (AAC_SAMPLES * 1000))  # frames
                if self.count >= due:
                    return taken
                end = min(len(self._frames), self._at + due - self.count)
            else:
                end = len(self._frames)
            taken += self._frames[self._at : end]
            self.count += end - self._at
            self._at = end


def write_mp4(
    output: Path,
    scenes: Iterable[tuple[list[bytes], list[int]]],
    parameters: VideoSamples,
    fps: int,
    size: tuple[int, int],
    audio_blocks: Iterable[bytes],
    title: str,
    chapters: list[Chapter],
) -> Path:
    """Write the video, scene by scene (its frames as MP4 samples, made by `parameters`, and
    the indices of its keyframes), and the AAC frames of `audio_blocks` (ADTS data, taken as
    needed) as an MP4 at `output`."""
    video, audio, sound = Track(), Track(), AudioFrames(audio_blocks)
    mdat = output.with_name(output.name + ".mdat")
    with mdat.open("wb", buffering=1 << 20) as out:
        pending: list[bytes] = []  # frames not yet written: less than a second of them
        written = 0
        for frames, keyframes in scenes:
            base = written + len(pending)
            video.sync += [base + index + 1 for index in keyframes]
            pending += frames
            while len(pending) >= fps:  # a second of video, then the sound that goes with it
                video.add_chunk(out, pending[:fps])
                del pending[:fps]
                written += fps
                audio.add_chunk(out, sound.take_until(written / fps))
        video.add_chunk(out, pending)
        audio.add_chunk(out, sound.take_until(None))
    if len(sound.formats) != 1:
        raise ValueError(f"the audio must be in one format, not {len(sound.formats)}")
    if not video.sizes or not video.sync or video.sync[0] != 1:
        raise ValueError("the video must start with a keyframe")
    movie = Movie(fps, size, title, chapters, parameters, sound.formats.pop())
    try:
        finish(output, mdat, movie, video, audio)
    finally:
        mdat.unlink(missing_ok=True)
    return output


def finish(output: Path, mdat: Path, movie: Movie, video: Track, audio: Track) -> None:
    """ftyp, moov, then the samples: chunk offsets point past moov into mdat."""
    ftyp = box(b"ftyp", b"isom", struct.pack(">I", 512), b"isomiso2avc1mp41")
    data_size = mdat.stat().st_size
    texts = chapter_samples(movie.chapters)
    large = data_size + sum(map(len, texts)) + 16 > LARGE
    mdat_header = 16 if large else 8
    chapter_at = data_size  # the chapter texts follow the samples
    # The chunk offsets depend on moov's size, which does not depend on their values.
    moov = build_moov(movie, video, audio, texts, chapter_at, 0, large)
    base = len(ftyp) + len(moov) + mdat_header
    moov = build_moov(movie, video, audio, texts, chapter_at, base, large)
    total = data_size + sum(map(len, texts)) + mdat_header
    header = (
        struct.pack(">I4sQ", 1, b"mdat", total) if large else struct.pack(">I4s", total, b"mdat")
    )
    temporary = output.with_name(output.name + ".part")
    with temporary.open("wb") as out, mdat.open("rb") as samples:
        out.write(ftyp + moov + header)
        out.flush()
        copy_into(samples, out, data_size)
        out.writelines(texts)
    temporary.replace(output)


def copy_into(source: BinaryIO, out: BinaryIO, size: int) -> None:
    """Append `size` bytes of `source` to `out`: in the kernel where it can (no copy through
    this process), the rest (all, where it cannot) through a buffer."""
    done = 0
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or a file system that cannot
        while done < size and (
            sent := os.copy_file_range(source.fileno(), out.fileno(), size - done)
        ):
            done += sent
    source.seek(done)
    out.seek(0, os.SEEK_END)
    shutil.copyfileobj(source, out, 1 << 20)
