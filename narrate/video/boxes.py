"""The movie header of narrate's MP4 (moov): what each track holds and where, as ISO/IEC
14496-12 boxes. mp4.py writes the samples and calls build_moov once their places are known.

Tracks: video (avc1, its one SPS and PPS in avcC), audio (mp4a, AAC), and a 3GPP text track of
chapters (QuickTime's chapter list), whose duration is the sum of its own samples; udta holds
the title (iTunes-style metadata) and Nero's chpl chapters (what ffmpeg, mpv and VLC read).
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:  # the writer's type (mp4.py imports this module)
    from narrate.video.mp4 import VideoSamples

MOVIE_TIMESCALE = 1000


VIDEO_TICKS = 512  # per frame: the video timescale is fps * 512, as ffmpeg writes it


AAC_SAMPLES = 1024


MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000]


@dataclass(frozen=True)
class Chapter:
    start: float  # seconds
    end: float
    title: str


def box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags), *parts)


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


@dataclass(frozen=True)
class AudioFormat:
    sample_rate: int
    channels: int
    object_type: int  # 2: AAC LC

    def config(self) -> bytes:
        """The AudioSpecificConfig (ISO 14496-3): object type, rate index, channels."""
        index = AAC_RATES.index(self.sample_rate)
        return struct.pack(">H", (self.object_type << 11) | (index << 7) | (self.channels << 3))


@dataclass(frozen=True)
class Movie:
    fps: int
    size: tuple[int, int]
    title: str
    chapters: list[Chapter]
    parameters: VideoSamples
    audio: AudioFormat


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
