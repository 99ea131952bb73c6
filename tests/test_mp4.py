"""narrate's own MP4 writer, read back by ffmpeg against ffmpeg's own mux of the same streams."""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from narrate.video import mp4
from narrate.video.encode import Pack, encode_pictures, held, load_pack
from narrate.video.ffmpeg import ffmpeg_exe, keyframe_times, probe
from narrate.video.mp4 import Chapter, VideoSamples, adts_payloads, write_mp4

FPS = 30
SIZE = (320, 180)


def ffmpeg(*args: str) -> bytes:
    command = [ffmpeg_exe(), "-v", "error", "-y", *args]
    return subprocess.run(command, capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def streams(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pack, bytes]:
    """A pack of three pictures (keyframes at the first and third), and 4.5 s of AAC."""
    folder = tmp_path_factory.mktemp("streams")
    pictures = [Image.new("RGB", SIZE, colour) for colour in ("#203040", "#602020", "#206020")]
    pack_path = folder / "pack.h264"
    units = encode_pictures(
        [lambda p=p: p.tobytes() for p in pictures], {0, 2}, SIZE, FPS, pack_path
    )
    pack_path.write_bytes(b"".join(units))
    pack = load_pack(pack_path)
    audio = ffmpeg(
        *("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050:duration=4.5"),
        *("-c:a", "aac", "-b:a", "64k", "-f", "adts", "-"),
    )
    return pack, audio


SCENES = [[40, 25], [70]]  # frames each picture shows, per scene: 135 frames in all


def write(tmp_path: Path, streams: tuple[Pack, bytes]) -> Path:
    pack, audio = streams
    half = len(audio) // 2
    cut = next(i for i in range(half, len(audio)) if audio[i] == 0xFF and audio[i + 1] >= 0xF0)
    chapters = [Chapter(0.0, 1.5, "Opening"), Chapter(1.5, 4.5, "Zweite Szene: Größe ü")]
    output = tmp_path / "out.mp4"
    # Two scenes, each from a keyframe; the audio arrives in two blocks.
    samples = VideoSamples()
    scenes = [held(pack, timeline, samples.convert) for timeline in SCENES]
    blocks = [audio[:cut], audio[cut:]]
    write_mp4(output, iter(scenes), samples, FPS, SIZE, blocks, "A tïtle", chapters)
    return output


def test_reads_back_like_ffmpegs_own_mux(tmp_path: Path, streams):
    pack, audio = streams
    ours = write(tmp_path, streams)
    frames = [frame for timeline in SCENES for frame in held(pack, timeline)[0]]
    (tmp_path / "v.h264").write_bytes(b"".join(frames))
    (tmp_path / "a.aac").write_bytes(audio)
    theirs = tmp_path / "ffmpeg.mp4"
    ffmpeg(
        *("-r", str(FPS), "-f", "h264", "-i", str(tmp_path / "v.h264")),
        *("-f", "aac", "-i", str(tmp_path / "a.aac"), "-c", "copy", str(theirs)),
    )
    for stream in ("0:v", "0:a"):  # the same decoded pictures and sound, frame by frame
        decoded = [
            ffmpeg("-i", str(f), "-map", stream, "-f", "framemd5", "-") for f in (ours, theirs)
        ]
        assert decoded[0].splitlines()[4:] == decoded[1].splitlines()[4:]
    info = probe(ours)
    assert (info.video_codec, info.width, info.height, info.fps) == ("h264", 320, 180, 30.0)
    assert (info.audio_codec, info.sample_rate, info.channels) == ("aac", 22050, "mono")
    assert info.frames == len(frames) == 135
    assert info.duration == pytest.approx(4.5, abs=0.05)
    assert keyframe_times(ours) == pytest.approx([0.0, 65 / FPS], abs=1e-3)


def test_chapters_and_title_read_back(tmp_path: Path, streams):
    text = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(write(tmp_path, streams))],
        capture_output=True,
        text=True,
    ).stderr
    assert re.search(r"^\s+title\s+: A tïtle$", text, re.MULTILINE)
    found = re.findall(
        r"Chapter #\d+:\d+: start ([\d.]+), end ([\d.]+)\n.*\n\s+title\s+: (.*)", text
    )
    assert [(float(a), float(b), t) for a, b, t in found] == [
        (0.0, 1.5, "Opening"),
        (1.5, 4.5, "Zweite Szene: Größe ü"),
    ]


def test_moov_before_the_samples_and_interleaved(tmp_path: Path, streams):
    # Browsers start playing before the download ends only when moov comes first.
    data = write(tmp_path, streams).read_bytes()
    kinds = []
    position = 0
    while position < len(data):
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        kinds.append(kind)
        position += size
    assert kinds == [b"ftyp", b"moov", b"mdat"]
    # One-second chunks: five of video (the last partial), each followed by its audio; one
    # chunk per chapter title.
    counts = [
        struct.unpack(">I", data[m.end() + 4 : m.end() + 8])[0] for m in re.finditer(b"stco", data)
    ]
    assert counts == [5, 5, 2]


def test_large_files_use_64_bit_offsets(tmp_path: Path, streams, monkeypatch):
    # Past 4 GiB, 32-bit chunk offsets and mdat sizes overflow: co64 and a 64-bit mdat size.
    monkeypatch.setattr(mp4, "LARGE", 0)
    data = write(tmp_path, streams).read_bytes()
    assert b"co64" in data and b"stco" not in data
    output = tmp_path / "out.mp4"
    assert probe(output).frames == 135
    ffmpeg("-i", str(output), "-f", "null", "-")  # decodes without an error


def test_adts_frames_give_their_format():
    header = bytes([0xFF, 0xF1, 0x5C, 0x40, 0x01, 0x7F, 0xFC])  # LC, 22050 Hz, mono, 11 bytes
    payloads, formats = adts_payloads(header + b"abcd" + header + b"efgh")
    assert payloads == [b"abcd", b"efgh"]
    (form,) = formats
    assert (form.sample_rate, form.channels, form.object_type) == (22050, 1, 2)
    assert form.config() == bytes([0x13, 0x88])  # AudioSpecificConfig: LC, index 7, mono
    with pytest.raises(ValueError, match="not an ADTS frame"):
        adts_payloads(b"\x00" * 9)


@pytest.mark.parametrize("kernel_copies", [None, 0, 3000])  # bytes before it fails (None: never)
def test_samples_are_copied_whole_in_the_kernel_or_not(tmp_path: Path, monkeypatch, kernel_copies):
    data = bytes(range(256)) * 40
    real = mp4.os.copy_file_range

    def copy_file_range(source: int, out: int, count: int) -> int:
        if kernel_copies is not None and mp4.os.lseek(source, 0, 1) >= kernel_copies:
            raise OSError("not on this file system")
        limit = count if kernel_copies is None else min(count, kernel_copies)
        return real(source, out, limit)

    monkeypatch.setattr(mp4.os, "copy_file_range", copy_file_range)
    (tmp_path / "samples").write_bytes(data)
    with (tmp_path / "out").open("wb") as out, (tmp_path / "samples").open("rb") as source:
        out.write(b"head")
        out.flush()
        mp4.copy_into(source, out, len(data))
        out.write(b"tail")
    assert (tmp_path / "out").read_bytes() == b"head" + data + b"tail"


def test_chapter_names_of_any_length_are_cut_to_fit(tmp_path: Path, streams):
    # Issue 11: a heading of 100,000 characters crashed the writer ("'H' format requires
    # 0 <= number <= 65535"): a text sample's length is 16 bits, a chpl title's 8 bits.
    pack, audio = streams
    names = ["é" * 100_000, "😀" * 2000 + "end", "bad \udcff surrogate"]
    chapters = [
        Chapter(0.0, 1.5, names[0]),
        Chapter(1.5, 3.0, names[1]),
        Chapter(3.0, 4.5, names[2]),
    ]
    samples = VideoSamples()
    scenes = [held(pack, timeline, samples.convert) for timeline in SCENES]
    output = tmp_path / "out.mp4"
    write_mp4(output, iter(scenes), samples, FPS, SIZE, [audio], "é" * 100_000, chapters)
    data = output.read_bytes()
    chpl = data[data.index(b"chpl") + 12 :]  # past version, flags, 4 reserved bytes
    assert chpl[0] == 3
    position = 1
    for name in names:  # each entry: a 64-bit start, an 8-bit length, the title
        length = chpl[position + 8]
        title = chpl[position + 9 : position + 9 + length].decode("utf-8")  # whole characters
        assert title and name.startswith(title.replace("?", "\udcff")) and length <= 255
        position += 9 + length
    metadata = ffmpeg("-i", str(output), "-f", "ffmetadata", "-").decode("utf-8")
    titles = re.findall(r"\[CHAPTER\][^\[]*?title=(.*)", metadata)
    assert len(titles) == 3 and titles[0].startswith("éééé") and titles[1].startswith("😀")
    ffmpeg("-i", str(output), "-f", "null", "-")  # decodes without an error
