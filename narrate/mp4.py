"""Writing the MP4 ourselves: H.264 frames and AAC frames into an ISO base media file.

Every frame is copied as it is, so ffmpeg's mux adds nothing but time: it moves each of the
tens of thousands of tiny held frames through its packet pipeline (about 15 µs each, 0.13 s for
the bundled example). Here a frame costs a length prefix and a table entry.

The file: ftyp, moov (video, audio and a chapter text track; title and Nero chapters in
udta), then mdat, its samples interleaved in one-second chunks, so a browser can play it as
it downloads. The samples are written to a temporary file first, since moov comes first
and its tables are known only at the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

# What this writer (and h264's skip frames) make, in the cache key of a finished video: a
# change to either changes it, so no video written the old way is taken from the cache.
WRITER_VERSION = 2
MOVIE_TIMESCALE = 1000
VIDEO_TICKS = 512  # per frame: the video timescale is fps * 512, as ffmpeg writes it
AAC_SAMPLES = 1024
MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
LARGE = 0xFFFFFFFF - (1 << 24)  # bytes past which offsets need 64 bits (moov's size kept aside)
AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000]


@dataclass(frozen=True)
class Chapter:
    start: float  # seconds
    end: float
    title: str


@dataclass
class Track:
    """Where a track's samples went: sizes, chunks (offset into mdat, sample count)."""

    sizes: array = field(default_factory=lambda: array("I"))
    chunks: list[tuple[int, int]] = field(default_factory=list)
    sync: list[int] = field(default_factory=list)  # 1-based sample numbers of keyframes

    def add_chunk(self, out: BinaryIO, samples: list[bytes]) -> None:
        if samples:
            self.chunks.append((out.tell(), len(samples)))
            self.sizes.extend(map(len, samples))
            out.write(b"".join(samples))


def box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags), *parts)


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


@dataclass(frozen=True)
class AudioFormat:
    sample_rate: int
    channels: int
    object_type: int  # 2: AAC LC

    def config(self) -> bytes:
        """The AudioSpecificConfig (ISO 14496-3): object type, rate index, channels."""
        index = AAC_RATES.index(self.sample_rate)
        return struct.pack(">H", (self.object_type << 11) | (index << 7) | (self.channels << 3))


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
    for start, skip, end in adts_bounds(data):
        kinds.add((data[start + 2], data[start + 3] >> 6))
        payloads.append(data[start + skip : end])
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


@dataclass(frozen=True)
class Movie:
    fps: int
    size: tuple[int, int]
    title: str
    chapters: list[Chapter]
    parameters: VideoSamples
    audio: AudioFormat


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


def chapter_samples(chapters: list[Chapter]) -> list[bytes]:
    """3GPP timed text samples: a 16-bit length, then the UTF-8 text."""
    names = [utf8(chapter.title, TEXT_BYTES) for chapter in chapters]
    return [struct.pack(">H", len(name)) + name for name in names]


TEXT_BYTES = 1024  # a chapter name in the text track: far more than any player shows
CHPL_BYTES = 255  # and in Nero's chpl, whose length field is one byte


def utf8(text: str, limit: int) -> bytes:
    """`text` in UTF-8, cut to at most `limit` bytes at a character boundary (what cannot be
    encoded, such as a lone surrogate, becomes "?")."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return data
    return data[:limit].decode("utf-8", "ignore").encode("utf-8")


def chapter_durations(chapters: list[Chapter]) -> list[int]:
    """Each chapter's sample duration (ms): from its start to the next one's, the last to its
    end, so the samples start where the chapters do (the first at 0)."""
    starts = [round(chapter.start * MOVIE_TIMESCALE) for chapter in chapters]
    ends = [*starts[1:], round(chapters[-1].end * MOVIE_TIMESCALE)] if chapters else []
    return [max(1, end - start) for start, end in zip(starts, ends, strict=True)]


def build_moov(
    movie: Movie,
    video: Track,
    audio: Track,
    texts: list[bytes],
    chapter_at: int,
    base: int,
    large: bool,
) -> bytes:
    fps, rate = movie.fps, movie.audio.sample_rate
    video_seconds = len(video.sizes) / fps
    audio_seconds = len(audio.sizes) * AAC_SAMPLES / rate
    chapter_seconds = sum(chapter_durations(movie.chapters)) / MOVIE_TIMESCALE
    seconds = max(video_seconds, audio_seconds, chapter_seconds)  # the longest track's
    chapter_track = 3 if movie.chapters else 0
    refer = box(b"tref", box(b"chap", struct.pack(">I", 3))) if chapter_track else b""
    width, height = movie.size
    traks = [
        trak(
            1,
            video_seconds,
            b"vide",
            fps * VIDEO_TICKS,
            round(len(video.sizes) * VIDEO_TICKS),
            full_box(b"vmhd", 0, 1, bytes(8)),
            avc_entry(movie),
            [(len(video.sizes), VIDEO_TICKS)],
            video,
            base,
            large,
            refer=refer,
            size=(width, height),
        ),
        trak(
            2,
            audio_seconds,
            b"soun",
            rate,
            len(audio.sizes) * AAC_SAMPLES,
            full_box(b"smhd", 0, 0, bytes(4)),
            aac_entry(movie.audio, audio),
            [(len(audio.sizes), AAC_SAMPLES)],
            audio,
            base,
            large,
            refer=refer,
            volume=0x0100,
        ),
    ]
    if chapter_track:
        traks.append(chapter_trak(movie.chapters, texts, chapter_at + base, large))
    mvhd = full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, MOVIE_TIMESCALE, round(seconds * MOVIE_TIMESCALE)),
        struct.pack(">IH", 0x10000, 0x100),
        bytes(10),
        MATRIX,
        bytes(24),
        struct.pack(">I", len(traks) + 1),
    )
    return box(b"moov", mvhd, *traks, udta(movie))


def trak(
    number: int,
    seconds: float,
    handler: bytes,
    timescale: int,
    media_duration: int,
    header: bytes,
    entry: bytes,
    durations: list[tuple[int, int]],
    track: Track,
    base: int,
    large: bool,
    refer: bytes = b"",
    size: tuple[int, int] = (0, 0),
    volume: int = 0,
    flags: int = 3,
) -> bytes:
    """A track: header, media header, handler, and the sample tables."""
    tkhd = full_box(
        b"tkhd",
        0,
        flags,
        struct.pack(">IIII", 0, 0, number, 0),
        struct.pack(">I", round(seconds * MOVIE_TIMESCALE)),
        bytes(8),
        struct.pack(">hhhH", 0, 0, volume, 0),
        MATRIX,
        struct.pack(">II", size[0] << 16, size[1] << 16),
    )
    mdhd = full_box(
        b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, timescale, media_duration, 0x55C4, 0)
    )
    name = {b"vide": b"VideoHandler", b"soun": b"SoundHandler", b"text": b"ChapterHandler"}[handler]
    hdlr = full_box(b"hdlr", 0, 0, bytes(4), handler, bytes(12), name + b"\x00")
    dinf = box(b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1), full_box(b"url ", 0, 1)))
    stbl = box(b"stbl", *sample_tables(entry, durations, track, base, large))
    minf = box(b"minf", header, dinf, stbl)
    return box(b"trak", tkhd, refer, box(b"mdia", mdhd, hdlr, minf))


def sample_tables(
    entry: bytes, durations: list[tuple[int, int]], track: Track, base: int, large: bool
) -> list[bytes]:
    stsd = full_box(b"stsd", 0, 0, struct.pack(">I", 1), entry)
    stts = full_box(
        b"stts",
        0,
        0,
        struct.pack(">I", len(durations)),
        *(struct.pack(">II", *d) for d in durations),
    )
    runs: list[tuple[int, int]] = []  # (first chunk, samples per chunk) where the count changes
    for index, (_, count) in enumerate(track.chunks, start=1):
        if not runs or runs[-1][1] != count:
            runs.append((index, count))
    stsc = full_box(
        b"stsc",
        0,
        0,
        struct.pack(">I", len(runs)),
        *(struct.pack(">III", a, b, 1) for a, b in runs),
    )
    sizes = array("I", track.sizes)
    sizes.byteswap()  # big-endian on disk (this machine is little-endian)
    stsz = full_box(b"stsz", 0, 0, struct.pack(">II", 0, len(track.sizes)), sizes.tobytes())
    offsets = array("Q" if large else "I", (base + offset for offset, _ in track.chunks))
    offsets.byteswap()
    stco = full_box(
        b"co64" if large else b"stco", 0, 0, struct.pack(">I", len(offsets)), offsets.tobytes()
    )
    tables = [stsd, stts]
    if track.sync and len(track.sync) < len(track.sizes):  # every sample a keyframe: no stss
        tables.append(
            full_box(
                b"stss",
                0,
                0,
                struct.pack(">I", len(track.sync)),
                *(struct.pack(">I", s) for s in track.sync),
            )
        )
    return [*tables, stsc, stsz, stco]


def avc_entry(movie: Movie) -> bytes:
    """The avc1 sample entry with its avcC: every parameter set the stream uses."""
    sps, pps = list(movie.parameters.sps), list(movie.parameters.pps)
    if len(sps) != 1 or len(pps) != 1:  # one of each serves every picture
        raise ValueError(f"the video has {len(sps)} SPS and {len(pps)} PPS, not one of each")
    profile, compatibility, level = sps[0][1], sps[0][2], sps[0][3]
    config = bytearray([1, profile, compatibility, level, 0xFF, 0xE0 | len(sps)])
    for nal in sps:
        config += struct.pack(">H", len(nal)) + nal
    config.append(len(pps))
    for nal in pps:
        config += struct.pack(">H", len(nal)) + nal
    if profile in (100, 110, 122, 144):  # 4:2:0, 8 bits, no SPS extensions
        config += bytes([0xFC | 1, 0xF8, 0xF8, 0])
    width, height = movie.size
    return box(
        b"avc1",
        bytes(6),
        struct.pack(">H", 1),  # data_reference_index
        bytes(16),
        struct.pack(">HH", width, height),
        struct.pack(">II", 0x480000, 0x480000),  # 72 dpi
        bytes(4),
        struct.pack(">H", 1),  # frames per sample
        bytes(32),  # compressor name
        struct.pack(">Hh", 0x18, -1),
        box(b"avcC", bytes(config)),
    )


def aac_entry(audio: AudioFormat, track: Track) -> bytes:
    """The mp4a sample entry with its esds (an MPEG-4 audio decoder configuration)."""
    seconds = len(track.sizes) * AAC_SAMPLES / audio.sample_rate
    average = round(sum(track.sizes) * 8 / seconds) if seconds else 0
    peak = max(track.sizes, default=0)
    config = audio.config()
    decoder_info = descriptor(5, config)
    decoder = descriptor(
        4,
        bytes([0x40, 0x15]),  # MPEG-4 audio, an audio stream
        struct.pack(">I", peak)[1:],  # buffer size
        struct.pack(">II", max(average, peak * 8 * audio.sample_rate // AAC_SAMPLES), average),
        decoder_info,
    )
    es = descriptor(3, struct.pack(">HB", 2, 0), decoder, descriptor(6, b"\x02"))
    return box(
        b"mp4a",
        bytes(6),
        struct.pack(">H", 1),
        bytes(8),
        struct.pack(">HHHH", audio.channels, 16, 0, 0),
        struct.pack(">I", audio.sample_rate << 16),
        full_box(b"esds", 0, 0, es),
    )


def descriptor(tag: int, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    if len(payload) > 0x7F:
        raise ValueError("descriptor too long")
    return bytes([tag, len(payload)]) + payload


def chapter_trak(chapters: list[Chapter], texts: list[bytes], offset: int, large: bool) -> bytes:
    """A disabled 3GPP text track, one sample per chapter: QuickTime's chapter list. Its
    timescale is the movie's, and its duration the sum of its samples' (ISO/IEC 14496-12
    8.3.2), not the movie's."""
    durations = [(1, duration) for duration in chapter_durations(chapters)]
    track = Track(sizes=array("I", map(len, texts)))
    position = offset
    for text in texts:  # one chunk per sample, each already at its final offset
        track.chunks.append((position, 1))
        position += len(text)
    entry = box(
        b"tx3g",
        bytes(6),
        struct.pack(">H", 1),
        struct.pack(">Ibb4B", 0, 1, -1, 0, 0, 0, 0),  # display flags, justification, background
        struct.pack(">4h", 0, 0, 0, 0),  # default text box
        struct.pack(">HHHBB4B", 0, 0, 1, 0, 18, 255, 255, 255, 255),  # default style
        box(b"ftab", struct.pack(">HHB", 1, 1, 5), b"Serif"),
    )
    return trak(
        3,
        sum(d for _, d in durations) / MOVIE_TIMESCALE,
        b"text",
        MOVIE_TIMESCALE,
        sum(d for _, d in durations),
        full_box(b"nmhd", 0, 0),
        entry,
        durations,
        track,
        0,
        large,
        flags=2,  # in the movie, not enabled: players list it, never show it
    )


def udta(movie: Movie) -> bytes:
    """The title (iTunes-style metadata) and the chapters again as Nero's chpl (up to 255)."""
    title = movie.title.encode("utf-8", "replace")
    data = full_box(b"data", 0, 1, bytes(4), title)
    ilst = box(b"ilst", box(b"\xa9nam", data))
    hdlr = full_box(b"hdlr", 0, 0, bytes(4), b"mdir", b"appl", bytes(8), b"\x00")
    meta = full_box(b"meta", 0, 0, hdlr, ilst)
    entries = []
    for chapter in movie.chapters[:255]:
        name = utf8(chapter.title, CHPL_BYTES)
        entries.append(struct.pack(">QB", round(chapter.start * 10_000_000), len(name)) + name)
    chpl = full_box(b"chpl", 1, 0, bytes(4), bytes([len(entries)]), *entries)
    return box(b"udta", meta, chpl if entries else b"")
