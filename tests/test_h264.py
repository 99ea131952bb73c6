"""The H.264 pieces narrate writes itself: skip frames and renumbering, decoded by ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from narrate.video.encode import encode_pictures, held, load_pack
from narrate.video.ffmpeg import ffmpeg_exe
from narrate.video.h264 import (
    Bits,
    Numbering,
    Writer,
    escape,
    parameters,
    rewrite,
    rewrite_head,
    unescape,
)


def picture(colour: str, text: str) -> Image.Image:
    image = Image.new("RGB", (320, 180), colour)
    ImageDraw.Draw(image).text((20, 20 + len(text)), text, fill="white")
    return image


def test_bit_writer_and_reader_agree():
    rbsp = Writer().ue(0).ue(5).ue(1234).se(-7).se(9).u(4, 11).rbsp()
    bits = Bits(rbsp)
    assert [bits.ue(), bits.ue(), bits.ue(), bits.se(), bits.se(), bits.bits(4)] == [
        0,
        5,
        1234,
        -7,
        9,
        11,
    ]


def test_emulation_prevention_round_trip():
    raw = bytes([0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 7])
    escaped = escape(raw)
    assert b"\x00\x00\x00" not in escaped and b"\x00\x00\x01" not in escaped
    assert unescape(escaped) == raw


def test_held_pictures_decode_exactly(tmp_path: Path):
    # Regression: x264's last frame of a still run was used as the "skip" frame, but it could
    # still carry residual; repeated, or used in another scene, it smeared the picture.
    pictures = [picture("#203040", "a"), picture("#602020", "bb"), picture("#206020", "ccc")]
    units_path = tmp_path / "pack.h264"
    units = encode_pictures(
        [lambda p=p: p.tobytes() for p in pictures], {0, 2}, (320, 180), 30, units_path
    )
    units_path.write_bytes(b"".join(units))
    pack = load_pack(units_path)
    timeline = [40, 25, 70]  # frames: past the 16 that frame_num counts before it wraps
    video = tmp_path / "held.h264"
    video.write_bytes(b"".join(held(pack, timeline)[0]))
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-xerror", "-err_detect", "explode", "-r", "30",
         "-f", "h264", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 180, 320, 3).astype(int)
    assert len(frames) == sum(timeline)
    start = 0
    for index, count in enumerate(timeline):
        run = frames[start : start + count]
        assert np.abs(run - run[0]).max() == 0  # held exactly, no drift
        assert np.abs(run[0] - np.asarray(pictures[index], dtype=int)).mean() < 3
        start += count


def test_renumbering_rewrites_only_the_head_of_a_slice_the_same_way():
    # The held P frames of captions are tens of kilobytes: only the head of each is unescaped
    # and rewritten. Zero runs and emulation prevention bytes near the cut must survive.
    rules = Numbering(frame_num_bits=9, poc_type=0, poc_lsb_bits=10)
    rng = np.random.default_rng(7)
    for trial in range(300):
        body = rng.choice([0, 0, 0, 1, 2, 3, 0x80, 0xFF], size=int(rng.integers(1, 90)))
        rbsp = Writer().ue(0).ue(0).ue(0).u(9, trial % 512).u(10, 0).rbsp() + bytes(body.tolist())
        payload = escape(rbsp)
        whole = escape(rewrite(unescape(payload), rules, trial))
        assert rewrite_head(payload, rules, trial) == whole, trial


def test_a_picture_of_the_wrong_size_is_refused_before_x264(tmp_path: Path):
    # Issue 11: a caption strip taller than the card made a picture too big; ffmpeg cut the
    # pipe into other frames and the render ended in "x264 did not write the frames asked for".
    right, wrong = picture("#203040", "a").tobytes(), bytes(3 * 320 * 181)
    with pytest.raises(ValueError, match="not 320x180 rgb24"):
        encode_pictures([lambda: right, lambda: wrong], {0}, (320, 180), 30, tmp_path / "p.h264")


def test_skip_frames_refuse_pictures_in_another_entropy_coding(tmp_path: Path):
    # Issue 11: pictures in CABAC (x264's PPS) and skip frames in CAVLC (a PPS of their own)
    # switched entropy coding within the stream. Skip frames use the pictures' PPS, and a
    # CABAC one is refused rather than mixed.
    units = encode_pictures(
        [lambda: picture("#203040", "a").tobytes()], {0}, (320, 180), 30, tmp_path / "p"
    )
    sps, pps = (
        unit for unit in units[0].split(b"\x00\x00\x00\x01") if unit and unit[0] & 0x1F in (7, 8)
    )
    assert Bits(unescape(pps[1:])).ue() == parameters(sps, pps).pps_id
    cabac = Writer().ue(0).ue(0).u(1, 1).u(1, 0).ue(0).ue(0).ue(0).u(1, 0).u(2, 0).rbsp()
    with pytest.raises(ValueError, match="CABAC"):
        parameters(sps, b"\x68" + escape(cabac))
